import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bullmq';
import type { Environment } from '../../config/environment';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { ROLLUP_QUEUE, rollupJob } from './rollup.job';

/** Registers the repeatable refresh job when events live in PostgreSQL. */
@Injectable()
export class RollupJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(ROLLUP_QUEUE) queue: Queue,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    config: ConfigService<Environment, true>,
    registry: ScheduledJobRegistry,
  ) {
    super(queue, rollupJob(config.get('ROLLUP_REFRESH_SECONDS', { infer: true })), registry);
  }

  /**
   * ClickHouse keeps its rollup by materialized view; a scheduler left from a PostgreSQL
   * configuration only runs jobs that find nothing to do.
   */
  protected override get enabled(): boolean {
    return this.store.kind === 'postgres';
  }
}
