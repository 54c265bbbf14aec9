import type { RepeatOptions } from 'bullmq';

/**
 * A platform job that runs on a schedule: a BullMQ repeatable job when Redis is configured (one
 * run per period across every app copy), an in-process timer otherwise.
 */
export interface ScheduledJob {
  /** The BullMQ queue, also the job's name in logs, metrics and /health/jobs. */
  queue: string;
  /** The scheduler id: one per job, so every app copy upserts the same schedule. */
  schedulerId: string;
  /** The name each run's BullMQ job carries. */
  jobName: string;
  /** Every N milliseconds, or a cron pattern in UTC. */
  repeat: { every: number } | { pattern: string };
  /** The longest a healthy schedule goes between runs: /health/jobs measures lateness by it. */
  periodMs: number;
  /** Completed and failed runs kept in Redis, for the operator to read. */
  keepRuns: number;
}

/** How BullMQ is asked to repeat the job. */
export function repeatOptions(job: ScheduledJob): RepeatOptions {
  return 'every' in job.repeat
    ? { every: job.repeat.every }
    : { pattern: job.repeat.pattern, tz: 'UTC' };
}

/** "every 900s" or "cron 30 3 * * * UTC", for logs and health. */
export function describeSchedule(job: ScheduledJob): string {
  return 'every' in job.repeat
    ? `every ${Math.round(job.repeat.every / 1000)}s`
    : `cron ${job.repeat.pattern} UTC`;
}
