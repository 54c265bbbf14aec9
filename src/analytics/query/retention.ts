import { bucketStarts } from './buckets';

/**
 * Retention semantics, the same on both event stores:
 *
 * - Only events in [from, to) that pass the property filters count, and only users with a
 *   non-empty user_id. Buckets are days or weeks (Monday to Monday) in the tenant's timezone.
 * - A user's cohort is the bucket of their first cohort event within [from, to) (the first in
 *   the range, not the first ever). No cohort event named: the first event of any type.
 * - Period n of a cohort counts its users with at least one return event in the n-th bucket
 *   after the cohort's (n = 0 is the cohort's own bucket, whatever the order within it, so
 *   when the return event is the cohort event, period 0 is the cohort size). No return event
 *   named: any event.
 * - A period whose bucket starts at or after `to` is not observable yet: null, not 0. The
 *   bucket holding `to` is observable in part (events up to `to`).
 * - Every bucket of the range is a cohort row, those no one joined with size 0.
 */
export const RETENTION_INTERVALS = ['day', 'week'] as const;
export type RetentionInterval = (typeof RETENTION_INTERVALS)[number];

/** Most cohorts (buckets in the range) per answer; periods are at most one fewer. */
export const MAX_COHORTS = 180;

export interface RetentionEvents {
  /** Cohort event type; undefined: any event. */
  cohortEvent?: string;
  /** Return event type; undefined: any event. */
  returnEvent?: string;
}

/** What a store counts: cohort sizes and returning users, keyed by bucket start (epoch ms). */
export interface RetentionCounts {
  cohorts: Map<number, number>;
  returns: { cohort: number; returned: number; users: number }[];
}

export interface RetentionRow {
  start: string;
  size: number;
  /** Index n: users back in the n-th bucket after the cohort's; null when not observable yet. */
  retained: (number | null)[];
}

/** The bucket starts of a retention table: null when the range holds more than MAX_COHORTS. */
export function cohortStarts(
  from: number,
  to: number,
  interval: RetentionInterval,
  timezone: string,
): number[] | null {
  const starts = bucketStarts(from, to, interval, timezone);
  return starts.length > MAX_COHORTS ? null : starts;
}

/** The cohort table: a row per bucket of the range, periods 0..`periods` each. */
export function retentionTable(
  starts: readonly number[],
  counts: RetentionCounts,
  periods: number,
): RetentionRow[] {
  const cells = starts.map((_, row) =>
    Array.from({ length: periods + 1 }, (_, n): number | null =>
      row + n < starts.length ? 0 : null,
    ),
  );
  const sizes = new Map<number, number>();
  for (const [cohort, size] of counts.cohorts) sizes.set(nearest(starts, cohort), size);
  for (const { cohort, returned, users } of counts.returns) {
    const row = nearest(starts, cohort);
    const column = nearest(starts, returned);
    if (column >= row && column - row <= periods) cells[row][column - row] = users;
  }
  return starts.map((start, row) => ({
    start: new Date(start).toISOString(),
    size: sizes.get(row) ?? 0,
    retained: cells[row],
  }));
}

/**
 * Index of the bucket start closest to `instant`. The stores compute the same local midnights
 * as bucketStarts; nearest (not exact) keeps a one-hour disagreement at a DST edge in its row.
 */
function nearest(starts: readonly number[], instant: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (starts[middle + 1] <= instant) low = middle + 1;
    else high = middle;
  }
  const next = low + 1;
  return next < starts.length && starts[next] - instant < instant - starts[low] ? next : low;
}
