import { type FieldError, InvalidInputException } from '../../common/field-error';
import { isRfc3339Timestamp } from '../../common/rfc3339';
import { checkRange, retentionStart } from './range-limits';

/** Which events a query counts: one tenant, a time range, optional type and property filters. */
export interface EventFilter {
  tenantId: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  eventType?: string;
  /** property key → value, compared as text (a number 49 matches "49"). */
  properties: [key: string, value: string][];
}

export interface AnalyticsQuery {
  filter: EventFilter;
  timezone: string;
  /** The earliest instant the plan's retention lets this query read (whole seconds). */
  earliest: Date;
}

/** What the shared parameters are read against: the tenant, its timezone and its plan's retention. */
export interface QueryContext {
  tenantId: string;
  timezone: string;
  retentionDays: number;
  now: number;
}

export interface ParseOptions {
  /** The route's own query parameters, which the shared parser lets through. */
  extra?: readonly string[];
  /** False on routes whose event types come from elsewhere (funnel steps, retention events). */
  eventType?: boolean;
  /** Problems the route already found (its own parameters or body), answered in the same 400. */
  errors?: FieldError[];
}

const DEFAULT_RANGE_MS = 7 * 86_400_000;
export const EVENT_TYPE_PATTERN = /^[a-z0-9_.:-]{1,128}$/;
/** A property key in a filter (also the guest tokens' forced filters). */
export const PROPERTY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_PROPERTY_VALUE_LENGTH = 256;
const COMMON_PARAMETERS = new Set(['from', 'to', 'event_type']);
export const MAX_PROPERTY_FILTERS = 10;

/**
 * Reads the parameters every analytics route shares from a raw query string object: `from`,
 * `to` (RFC 3339; default the last 7 days, at most the plan's retention back), `event_type`,
 * and any number of `property.<key>=<value>` filters. `extra` names the route's own parameters.
 * Every problem is named by its parameter, as the API's 400 lists them.
 */
export function parseAnalyticsQuery(
  raw: Record<string, unknown>,
  context: QueryContext,
  extra: readonly string[] = [],
): { query: AnalyticsQuery } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const single = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors.push({ field: name, message: `${name} must be given once` });
      return undefined;
    }
    return value;
  };

  const toText = single('to');
  const fromText = single('from');
  let to = new Date(context.now);
  if (toText !== undefined) {
    if (isRfc3339Timestamp(toText)) to = new Date(toText);
    else
      errors.push({
        field: 'to',
        message: 'to must be an RFC 3339 timestamp, like 2026-11-23T00:00:00Z',
      });
  }
  let from = new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (fromText !== undefined) {
    if (isRfc3339Timestamp(fromText)) from = new Date(fromText);
    else
      errors.push({
        field: 'from',
        message: 'from must be an RFC 3339 timestamp, like 2026-11-16T00:00:00Z',
      });
  }
  // Checked before anything is sized from the range (rollup days, buckets, SQL parameters).
  if (!errors.some((error) => error.field === 'from' || error.field === 'to')) {
    errors.push(...checkRange(from.getTime(), to.getTime(), context));
  }

  const eventType = single('event_type');
  if (eventType !== undefined && !EVENT_TYPE_PATTERN.test(eventType)) {
    errors.push({
      field: 'event_type',
      message: 'event_type may hold only a-z, 0-9 and _ . : - (1-128)',
    });
  }

  const properties: [string, string][] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (COMMON_PARAMETERS.has(name) || extra.includes(name)) continue;
    if (!name.startsWith('property.')) {
      errors.push({ field: name, message: `${name} is not a parameter of this route` });
      continue;
    }
    const key = name.slice('property.'.length);
    if (!PROPERTY_KEY.test(key)) {
      errors.push({ field: name, message: 'a property key is 1-128 of A-Z a-z 0-9 _ . : -' });
    } else if (typeof value !== 'string' || value.length > MAX_PROPERTY_VALUE_LENGTH) {
      errors.push({
        field: name,
        message: `${name} must be given once, at most ${MAX_PROPERTY_VALUE_LENGTH} characters`,
      });
    } else {
      properties.push([key, value]);
    }
  }
  if (properties.length > MAX_PROPERTY_FILTERS) {
    errors.push({ field: 'property', message: `at most ${MAX_PROPERTY_FILTERS} property filters` });
  }
  if (errors.length > 0) return { errors };
  // Whole seconds: ClickHouse 18.16 keeps DateTime to the second, and both stores must agree.
  // `to` rounds up, so the current second (the default `to` is now) is counted.
  from = new Date(Math.floor(from.getTime() / 1000) * 1000);
  to = new Date(Math.ceil(to.getTime() / 1000) * 1000);
  return {
    query: {
      filter: { tenantId: context.tenantId, from, to, eventType, properties },
      timezone: context.timezone,
      earliest: new Date(Math.ceil(retentionStart(context) / 1000) * 1000),
    },
  };
}

/**
 * The shared parameters of one route's query, or one 400 naming every problem: the ones the route
 * already found first (`options.errors`), then the shared parameters' in parameter order, then an
 * `event_type` the route does not take.
 */
export function readSharedQuery(
  raw: Record<string, unknown>,
  context: QueryContext,
  options: ParseOptions = {},
): AnalyticsQuery {
  const parsed = parseAnalyticsQuery(raw, context, options.extra ?? []);
  const errors = [...(options.errors ?? []), ...('errors' in parsed ? parsed.errors : [])];
  if (options.eventType === false && raw.event_type !== undefined) {
    errors.push({
      field: 'event_type',
      message: 'event_type is not a parameter of this route: its event types are named apart',
    });
  }
  if (errors.length > 0 || 'errors' in parsed) throw new InvalidInputException(errors);
  return parsed.query;
}

/**
 * The period of the same length just before the filter's, clamped to the retention: it never
 * starts before `earliest`, so a long range cannot read events older than the plan keeps. Empty
 * (from = to) when the filter already starts there.
 */
export function previousPeriod(filter: EventFilter, earliest: Date): EventFilter {
  const length = filter.to.getTime() - filter.from.getTime();
  const from = Math.min(
    filter.from.getTime(),
    Math.max(filter.from.getTime() - length, earliest.getTime()),
  );
  return { ...filter, from: new Date(from), to: filter.from };
}
