import type { ScheduledJob } from '../../../jobs/scheduled-job';

/** Hourly: each run re-checks the verified domains not checked for a day, a bounded batch. */
export const CUSTOM_DOMAIN_RECHECK_JOB: ScheduledJob = {
  queue: 'custom-domain-rechecks',
  schedulerId: 'recheck-custom-domains',
  jobName: 'recheck',
  repeat: { every: 60 * 60_000 },
  periodMs: 60 * 60_000,
  keepRuns: 24,
};
