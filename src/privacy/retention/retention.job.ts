import type { ScheduledJob } from '../../jobs/scheduled-job';

/** Retention enforcement runs once a day, at 03:30 UTC (a quiet hour for most tenants). */
export const RETENTION_JOB: ScheduledJob = {
  queue: 'privacy-retention',
  schedulerId: 'enforce-retention',
  jobName: 'enforce',
  repeat: { pattern: '30 3 * * *' },
  periodMs: 24 * 3_600_000,
  keepRuns: 30,
};
