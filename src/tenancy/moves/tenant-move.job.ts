import type { ScheduledJob } from '../../jobs/scheduled-job';

/**
 * The `tenant-move` queue: each move is a one-off job (`move`, job id = move id) run by one
 * worker of one app copy, one at a time per copy; beside them every 30 s the reconciler rolls
 * back or finishes the moves whose runner died.
 */
export const TENANT_MOVE_JOB: ScheduledJob = {
  queue: 'tenant-move',
  schedulerId: 'reconcile-tenant-moves',
  jobName: 'reconcile',
  repeat: { every: 30_000 },
  periodMs: 30_000,
  keepRuns: 30,
};

export const MOVE_JOB_NAME = 'move';
