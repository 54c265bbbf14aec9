import { type FieldError, InvalidInputException } from '../../common/field-error';
import { MAX_RETENTION_DAYS } from '../../tenancy/plans';

export const DAY_MS = 86_400_000;

/** How far ahead `to` may reach: the event contract takes timestamps at most a day ahead. */
export const MAX_AHEAD_MS = DAY_MS;

/**
 * The longest range any read may cover, whatever the plan: the longest retention. Builders of
 * per-day structures (rollup plans, date lists) refuse anything longer on their own, so a caller
 * that skipped checkRange still cannot make them build millions of days.
 */
export const MAX_RANGE_DAYS = MAX_RETENTION_DAYS;

export interface RangeLimits {
  now: number;
  retentionDays: number;
}

/** The earliest instant the plan's retention lets a read reach. */
export function retentionStart(limits: RangeLimits): number {
  return limits.now - limits.retentionDays * DAY_MS;
}

/**
 * What is wrong with the range [from, to) for this plan, each problem named by its field with
 * the limit: `to` at most a day ahead, `from` within retention, `from` before `to`, and the range
 * no longer than the retention. Checked before any work is sized from the range.
 */
export function checkRange(from: number, to: number, limits: RangeLimits): FieldError[] {
  const errors: FieldError[] = [];
  const latest = limits.now + MAX_AHEAD_MS;
  if (to > latest) {
    errors.push({
      field: 'to',
      message: `to may be at most 1 day ahead; the latest is ${new Date(latest).toISOString()}`,
    });
  }
  if (from >= to) errors.push({ field: 'from', message: 'from must be before to' });
  const oldest = retentionStart(limits);
  if (from < oldest) {
    errors.push({
      field: 'from',
      message: `from is past this plan's ${limits.retentionDays}-day retention; the earliest is ${new Date(oldest).toISOString()}`,
    });
  }
  const span = Math.min(limits.retentionDays, MAX_RANGE_DAYS) * DAY_MS;
  if (errors.length === 0 && to - from > span) {
    errors.push({
      field: 'to',
      message: `a range may span at most ${span / DAY_MS} days (this plan's retention); with this from, to is at most ${new Date(from + span).toISOString()}`,
    });
  }
  return errors;
}

/** checkRange for code that builds its own range (widgets): a 400 rather than unbounded work. */
export function assertRange(from: number, to: number, limits: RangeLimits): void {
  const errors = checkRange(from, to, limits);
  if (errors.length > 0) throw new InvalidInputException(errors);
}

/**
 * The last line of defence inside per-day builders: whole days in [from, to) past MAX_RANGE_DAYS
 * are refused before a single one is built.
 */
export function assertBuildableDays(days: number): void {
  if (!(days <= MAX_RANGE_DAYS)) {
    throw new InvalidInputException([
      { field: 'to', message: `a range may span at most ${MAX_RANGE_DAYS} days` },
    ]);
  }
}
