import type { ScheduledJob } from '../../jobs/scheduled-job';

/** Daily at 03:30 UTC, a quiet hour; not at boot, so a fleet starting does not measure at once. */
export const STORAGE_JOB: ScheduledJob = {
  queue: 'billing-storage',
  schedulerId: 'measure-tenant-storage',
  jobName: 'measure',
  repeat: { pattern: '30 3 * * *' },
  periodMs: 86_400_000,
  keepRuns: 30,
};
