import type { ScheduledJob } from '../../jobs/scheduled-job';

/** The mirror's reconciler runs every 10 minutes: a copy that missed a change is fixed within 10. */
export const PLACEMENT_RECONCILE_JOB: ScheduledJob = {
  queue: 'placement-reconcile',
  schedulerId: 'reconcile-placement-copies',
  jobName: 'reconcile',
  repeat: { every: 10 * 60_000 },
  periodMs: 10 * 60_000,
  keepRuns: 30,
};
