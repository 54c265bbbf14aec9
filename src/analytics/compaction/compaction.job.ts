import type { ScheduledJob } from '../../jobs/scheduled-job';

export const COMPACTION_QUEUE = 'clickhouse-compaction';

/** The ClickHouse event store's closed-week compaction, every CLICKHOUSE_COMPACTION_SECONDS. */
export function compactionJob(everySeconds: number): ScheduledJob {
  return {
    queue: COMPACTION_QUEUE,
    schedulerId: 'compact-closed-weeks',
    jobName: 'compact',
    repeat: { every: everySeconds * 1000 },
    periodMs: everySeconds * 1000,
    keepRuns: 50,
  };
}
