import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bullmq';
import type { Environment } from '../../config/environment';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { PostgresRollupRefresher } from './postgres-rollup-refresher';

export const ROLLUP_QUEUE = 'analytics-rollups';
const SCHEDULER_ID = 'refresh-postgres-rollups';

/**
 * Registers the repeatable refresh job (idempotent: one scheduler id, whichever copy starts
 * first) when events live in PostgreSQL.
 */
@Injectable()
export class RollupJobScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RollupJobScheduler.name);

  constructor(
    @InjectQueue(ROLLUP_QUEUE) private readonly queue: Queue,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // ClickHouse keeps its rollup by materialized view; a scheduler left from a PostgreSQL
    // configuration only runs jobs that find nothing to do.
    if (this.store.kind !== 'postgres') return;
    const every = this.config.get('ROLLUP_REFRESH_SECONDS', { infer: true }) * 1000;
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every },
      { name: 'refresh', opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.logger.log({ msg: 'rollup refresh scheduled', every_ms: every });
  }
}

/** Runs the refresh; one job at a time per process, and BullMQ gives each run to one worker. */
@Processor(ROLLUP_QUEUE)
export class RollupJobProcessor extends WorkerHost {
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
