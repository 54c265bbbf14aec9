import type { EventFilter } from '../query/analytics-query';
import { assertBuildableDays } from '../query/range-limits';

const DAY_MS = 86_400_000;

/**
 * A range of at least this many whole UTC days reads them from the daily rollups; shorter ones
 * read raw events, which is as fast at that size.
 */
export const ROLLUP_MIN_WHOLE_DAYS = 2;

/** Half-open instant range [from, to). */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** How one read splits: whole UTC days from the rollup, the rest of the range from raw events. */
export interface RollupPlan {
  /** 'YYYY-MM-DD' UTC days, ascending. */
  days: string[];
  /** The parts of the filter's range outside those days, merged, ascending. */
  raw: TimeRange[];
}

/**
 * The whole UTC days inside the filter's range when the read can use rollups: long enough,
 * and no property filter (rollups keep event types, not properties). Otherwise null. A range
 * of more whole days than any plan keeps is refused before one day is listed.
 */
export function wholeDaysOf(filter: EventFilter): string[] | null {
  if (filter.properties.length > 0) return null;
  const first = Math.ceil(filter.from.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(filter.to.getTime() / DAY_MS) * DAY_MS;
  if ((end - first) / DAY_MS < ROLLUP_MIN_WHOLE_DAYS) return null;
  assertBuildableDays((end - first) / DAY_MS);
  const days: string[] = [];
  for (let day = first; day < end; day += DAY_MS) days.push(dayText(day));
  return days;
}

/** Splits the filter's range into `days` (read from the rollup) and the raw rest. */
export function planAround(filter: EventFilter, days: string[]): RollupPlan {
  assertBuildableDays(days.length);
  const raw: TimeRange[] = [];
  let cursor = filter.from.getTime();
  for (const day of days) {
    const start = Date.parse(`${day}T00:00:00Z`);
    if (start > cursor) raw.push({ from: new Date(cursor), to: new Date(start) });
    cursor = start + DAY_MS;
  }
  if (cursor < filter.to.getTime()) raw.push({ from: new Date(cursor), to: filter.to });
  return { days, raw };
}

export function dayText(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
