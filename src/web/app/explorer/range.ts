/**
 * The explorer's time range, bounded as the API bounds it (src/analytics/query/range-limits.ts,
 * buckets.ts): `to` at most a day ahead, `from` before `to` and not before the longest retention
 * of any plan; a timeseries at most 1000 buckets, retention at most 180 cohorts. The tenant's own
 * retention (its plan's, or a contract's override) is not told to tenants, so a `from` past it is
 * left to the API, whose refusal names `from` and the earliest allowed.
 */
export const DAY_MS = 86_400_000;
export const MAX_AHEAD_MS = DAY_MS;
export const MAX_BUCKETS = 1000;
export const MAX_COHORTS = 180;

export interface Range {
  from: string;
  to: string;
  /** Set for a "last N days" range: the explorer renews it (a new now) on every new question. */
  days?: number;
}

export const PRESETS = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: 'custom', label: 'Custom range' },
] as const;

/**
 * The last `days` days, ending a minute or two ahead: repeated loads ask the same range, and
 * `from` stays inside a retention of exactly `days` (the API measures retention from its own now,
 * a moment after this one).
 */
export function presetRange(days: number, now = Date.now()): Range {
  const to = Math.ceil(now / 60_000) * 60_000 + 60_000;
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString(), days };
}

/** The same preset with a new now; a custom range stays as it is. */
export function renewed(range: Range): Range {
  return range.days === undefined ? range : presetRange(range.days);
}

/** No plan keeps events longer than this (src/tenancy/plans.ts MAX_RETENTION_DAYS). */
export const MAX_RETENTION_DAYS = 730;

/** The earliest `from` any plan accepts now. */
export function earliestFrom(now = Date.now()): string {
  return new Date(now - MAX_RETENTION_DAYS * DAY_MS).toISOString();
}

const INTERVAL_MS = { minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS } as const;
export type Interval = keyof typeof INTERVAL_MS;
export const INTERVALS = Object.keys(INTERVAL_MS) as Interval[];

/** Buckets a timeseries of this range would have (one more for a partial first bucket). */
export function bucketCount(range: Range, interval: Interval): number {
  const span = Date.parse(range.to) - Date.parse(range.from);
  return Math.ceil(span / INTERVAL_MS[interval]) + 1;
}

/** The intervals the API would accept for this range. */
export function allowedIntervals(range: Range, max = MAX_BUCKETS): Interval[] {
  return INTERVALS.filter((interval) => bucketCount(range, interval) <= max);
}

/** Points a chart shows legibly at 1280 px: the suggested interval keeps within them. */
const READABLE_POINTS = 100;

/** The finest allowed interval that gives a readable chart (24 hours by hour, 7 days by day). */
export function suggestedInterval(range: Range): Interval {
  const allowed = allowedIntervals(range);
  return (
    allowed.find((interval) => bucketCount(range, interval) <= READABLE_POINTS) ??
    allowed[allowed.length - 1] ??
    'week'
  );
}

/** <input type="datetime-local"> works in local wall time, without a zone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The latest `to` the API accepts now. */
export function latestTo(now = Date.now()): string {
  return new Date(now + MAX_AHEAD_MS).toISOString();
}
