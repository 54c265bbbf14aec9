import { assertBuildableDays } from '../query/range-limits';
import { dayText, type TimeRange } from '../rollups/rollup-plan';

const DAY_MS = 86_400_000;

/** How a count's range splits: days merged into one part, read plainly, and the rest. */
export interface CleanDaySplit {
  /** Parts of the range on clean days: no event there is stored twice. Merged, ascending. */
  plain: TimeRange[];
  /** The rest, which FINAL must fold. Merged, ascending. */
  final: TimeRange[];
}

/**
 * Splits [from, to) at UTC midnights into the pieces on `cleanDays` ('YYYY-MM-DD': ClickHouse
 * partitions of one merged part, where no event is stored twice) and the rest. A clean day cut
 * by the range's ends stays clean: the rows of a part are free of repeats whatever the bounds.
 */
export function splitByCleanDays(range: TimeRange, cleanDays: ReadonlySet<string>): CleanDaySplit {
  const split: CleanDaySplit = { plain: [], final: [] };
  const [from, to] = [range.from.getTime(), range.to.getTime()];
  if (!(from < to)) return split;
  // The loop visits at most one day more than the range spans, which the routes bound already.
  assertBuildableDays(Math.ceil((to - from) / DAY_MS));
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
    const piece = { from: new Date(Math.max(day, from)), to: new Date(Math.min(day + DAY_MS, to)) };
    const list = cleanDays.has(dayText(day)) ? split.plain : split.final;
    const last = list[list.length - 1];
    if (last && last.to.getTime() === piece.from.getTime()) last.to = piece.to;
    else list.push(piece);
  }
  return split;
}
