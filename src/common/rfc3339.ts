import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * An RFC 3339 timestamp with its zone: 2026-11-23T10:00:00Z, 2026-11-23T10:00:00.123+01:00.
 * Stricter than class-validator's IsISO8601, which also takes "2024", week dates or
 * comma fractions that PostgreSQL and ClickHouse refuse.
 */
export const RFC3339_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/i;

export function isRfc3339Timestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339_TIMESTAMP.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHour = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinute = match[10] === undefined ? 0 : Number(match[10]);
  if (year < 1970 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  if (offsetHour > 23 || offsetMinute > 59) return false;
  // Day within its month (leap years included).
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function IsRfc3339Timestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339Timestamp',
      validator: {
        validate: (value) => isRfc3339Timestamp(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an RFC 3339 timestamp with a zone, like 2026-11-23T10:00:00Z`,
      },
    },
    options,
  );
}
