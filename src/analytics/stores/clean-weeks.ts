import { assertBuildableDays } from '../query/range-limits';
import { dayText, type TimeRange } from '../rollups/rollup-plan';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05, the first Monday after the epoch (a Thursday). */
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** The UTC Monday (00:00) starting the week of `epochMs`: a ClickHouse events partition. */
export function weekStart(epochMs: number): number {
  return Math.floor((epochMs - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS;
}

/** How a count's range splits: weeks merged into one part, read plainly, and the rest. */
export interface CleanWeekSplit {
  /** Parts of the range in clean weeks: no event there is stored twice. Merged, ascending. */
  plain: TimeRange[];
  /** The rest, which FINAL must fold. Merged, ascending. */
  final: TimeRange[];
}

/**
 * Splits [from, to) at UTC Mondays into the pieces in `cleanWeeks` (their Mondays, 'YYYY-MM-DD':
 * ClickHouse partitions of one merged part, where no event is stored twice) and the rest. A
 * clean week cut by the range's ends stays clean: a part's rows are free of repeats whatever
 * the bounds.
 */
export function splitByCleanWeeks(
  range: TimeRange,
  cleanWeeks: ReadonlySet<string>,
): CleanWeekSplit {
  const split: CleanWeekSplit = { plain: [], final: [] };
  const [from, to] = [range.from.getTime(), range.to.getTime()];
  if (!(from < to)) return split;
  // The routes bound ranges already; this keeps the loop bounded for any caller.
  assertBuildableDays(Math.ceil((to - from) / DAY_MS));
  for (let week = weekStart(from); week < to; week += WEEK_MS) {
    const piece = {
      from: new Date(Math.max(week, from)),
      to: new Date(Math.min(week + WEEK_MS, to)),
    };
    const list = cleanWeeks.has(dayText(week)) ? split.plain : split.final;
    const last = list[list.length - 1];
    if (last && last.to.getTime() === piece.from.getTime()) last.to = piece.to;
    else list.push(piece);
  }
  return split;
}
