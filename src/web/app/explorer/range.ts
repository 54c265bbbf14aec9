/**
 * The explorer's time range, bounded as the API bounds it (src/analytics/query/range-limits.ts,
 * buckets.ts): `to` at most a day ahead, `from` before `to`; a timeseries at most 1000 buckets,
 * retention at most 180 cohorts. The plan's retention (how far back `from` may go) is not told
 * to tenants, so a range past it is left to the API, whose refusal names `from` and the limit.
 */
export const DAY_MS = 86_400_000;
export const MAX_AHEAD_MS = DAY_MS;
export const MAX_BUCKETS = 1000;
export const MAX_COHORTS = 180;

export interface Range {
  from: string;
  to: string;
}

export const PRESETS = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: 'custom', label: 'Custom range' },
] as const;

/** The last `days` days up to the next whole minute (so repeated loads ask the same range). */
export function presetRange(days: number, now = Date.now()): Range {
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString() };
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
