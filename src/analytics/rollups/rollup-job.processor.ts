import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { PostgresRollupRefresher } from './postgres-rollup.refresher';
import { ROLLUP_QUEUE } from './rollup.job';

/**
 * Runs the refresh; one job at a time per process, and BullMQ gives each run to one worker. A
 * refresh cut short is simply re-run next period: each day it rolls is its own transaction.
 */
@Processor(ROLLUP_QUEUE)
export class RollupJobProcessor extends JobWorkerHost {
  constructor(
    private readonly refresher: PostgresRollupRefresher,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
  ) {
    super();
  }

  async process(job: Job): Promise<{ days: number }> {
    if (this.store.kind !== 'postgres') return { days: 0 };
    const result = await this.refresher.refreshStaleDays();
    await job.updateProgress({ days: result.days, remaining: result.remaining });
    return { days: result.days };
  }
}
