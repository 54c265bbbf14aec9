import { CronExpressionParser } from 'cron-parser';

/** BACKUP_SCHEDULE's value that turns the scheduled backup off. */
export const BACKUP_SCHEDULE_OFF = 'off';

/** Runs looked ahead to find a schedule's longest gap (a weekday-only cron has a 3-day one). */
const LOOKAHEAD_RUNS = 14;

/** Why `pattern` is not a usable 5-field UTC cron pattern, or null when it is. */
export function backupScheduleProblem(pattern: string): string | null {
  if (pattern === BACKUP_SCHEDULE_OFF) return null;
  // BullMQ also accepts a seconds field; the job's lateness is day-scale, so keep to 5 fields.
  if (pattern.trim().split(/\s+/).length !== 5) {
    return `BACKUP_SCHEDULE must be a 5-field cron pattern (minute hour day month weekday, UTC) or ${BACKUP_SCHEDULE_OFF}`;
  }
  try {
    CronExpressionParser.parse(pattern, { tz: 'UTC' });
    return null;
  } catch (error) {
    return `BACKUP_SCHEDULE is not a valid cron pattern: ${(error as Error).message}`;
  }
}

/**
 * The longest gap between two runs of `pattern` over the next fortnight of runs: /health/jobs
 * measures lateness by it, and the in-process timer (no Redis) runs the job that often.
 */
export function longestGapMs(pattern: string, from = new Date()): number {
  const runs = CronExpressionParser.parse(pattern, { tz: 'UTC', currentDate: from }).take(
    LOOKAHEAD_RUNS + 1,
  );
  let longest = 0;
  for (let i = 1; i < runs.length; i += 1) {
    longest = Math.max(longest, runs[i].getTime() - runs[i - 1].getTime());
  }
  return longest;
}
