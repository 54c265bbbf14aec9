/**
 * Schema fragments several routes document alike, written to be exactly as strict as the code
 * that checks them where JSON Schema can say it.
 */

/**
 * An RFC 3339 timestamp with its zone, as src/common/rfc3339.ts takes it: `date-time` plus the
 * shape (years from 1970, up to nine fraction digits, `Z` or ±hh:mm; T and Z in either case).
 */
export const RFC3339_PATTERN =
  '^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$';

export const RFC3339_SCHEMA = {
  type: 'string',
  format: 'date-time',
  pattern: RFC3339_PATTERN,
} as const;

/** An event type (src/analytics/query/analytics-query.ts EVENT_TYPE_PATTERN). */
export const EVENT_TYPE_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[a-z0-9_.:-]+$',
} as const;
