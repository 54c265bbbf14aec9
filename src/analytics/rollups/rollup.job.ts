import type { ScheduledJob } from '../../jobs/scheduled-job';

export const ROLLUP_QUEUE = 'analytics-rollups';

/** The PostgreSQL store's rollup refresh, every ROLLUP_REFRESH_SECONDS. */
export function rollupJob(refreshSeconds: number): ScheduledJob {
  return {
    queue: ROLLUP_QUEUE,
    schedulerId: 'refresh-postgres-rollups',
    jobName: 'refresh',
    repeat: { every: refreshSeconds * 1000 },
    periodMs: refreshSeconds * 1000,
    keepRuns: 100,
  };
}
