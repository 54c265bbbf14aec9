import type { ScheduledJob } from '../../jobs/scheduled-job';

/** Hourly: a tenant is purged within an hour of its grace ending; an interrupted purge resumes. */
export const TENANT_PURGE_JOB: ScheduledJob = {
  queue: 'tenant-purge',
  schedulerId: 'purge-deleted-tenants',
  jobName: 'purge',
  repeat: { every: 60 * 60_000 },
  periodMs: 60 * 60_000,
  keepRuns: 30,
};
