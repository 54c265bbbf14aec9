import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { PostgresRollupRefresher } from './postgres-rollup.refresher';

export const ROLLUP_QUEUE = 'analytics-rollups';

/** Runs the refresh; one job at a time per process, and BullMQ gives each run to one worker. */
@Processor(ROLLUP_QUEUE)
export class RollupJobProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(RollupJobProcessor.name);
  private lastError = '';

  constructor(
    private readonly refresher: PostgresRollupRefresher,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
  ) {
    super();
  }

  /** Without a listener BullMQ prints every connection error; log each distinct one once. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn({ msg: 'rollup worker: Redis error', error: error.message });
  }

  /**
   * Force-closes before @nestjs/bullmq's own graceful close, which waits for the worker's loop
   * and so never returns while Redis is unreachable. A refresh in flight is simply re-run
   * next period: each day it rolls is its own transaction.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }

  async process(job: Job): Promise<{ days: number }> {
    if (this.store.kind !== 'postgres') return { days: 0 };
    const result = await this.refresher.refreshStaleDays();
    await job.updateProgress({ days: result.days, remaining: result.remaining });
    return { days: result.days };
  }
}
