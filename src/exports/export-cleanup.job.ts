import type { ScheduledJob } from '../jobs/scheduled-job';

/** Daily, at 03:17 UTC: export files older than 7 days are removed. */
export const EXPORT_CLEANUP_JOB: ScheduledJob = {
  queue: 'data-export-cleanup',
  schedulerId: 'remove-expired-exports',
  jobName: 'cleanup',
  repeat: { pattern: '17 3 * * *' },
  periodMs: 86_400_000,
  keepRuns: 14,
};
