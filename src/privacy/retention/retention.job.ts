import type { ScheduledJob } from '../../jobs/scheduled-job';

/** Retention enforcement runs once a day, at 04:15 UTC (a quiet hour, after the storage job). */
export const RETENTION_JOB: ScheduledJob = {
  queue: 'privacy-retention',
  schedulerId: 'enforce-retention',
  jobName: 'enforce',
  repeat: { pattern: '15 4 * * *' },
  periodMs: 24 * 3_600_000,
  keepRuns: 30,
};
