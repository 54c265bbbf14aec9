import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bullmq';
import type { Environment } from '../../config/environment';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';

import { ROLLUP_QUEUE } from './rollup-job.processor';

const SCHEDULER_ID = 'refresh-postgres-rollups';

/**
 * Registers the repeatable refresh job (idempotent: one scheduler id, whichever copy starts
 * first) when events live in PostgreSQL.
 */
@Injectable()
export class RollupJobScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RollupJobScheduler.name);

  constructor(
    @InjectQueue(ROLLUP_QUEUE) private readonly queue: Queue,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    private readonly config: ConfigService<Environment, true>,
  ) {
    // Redis being down must not stop the app (health reports it): log once, keep trying.
    this.queue.on('error', (error: Error) => this.redisDown(error));
  }

  private retry?: NodeJS.Timeout;
  private redisDownLogged = false;

  onApplicationBootstrap(): void {
    // ClickHouse keeps its rollup by materialized view; a scheduler left from a PostgreSQL
    // configuration only runs jobs that find nothing to do.
    if (this.store.kind !== 'postgres') return;
    void this.schedule();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async schedule(): Promise<void> {
    const every = this.config.get('ROLLUP_REFRESH_SECONDS', { infer: true }) * 1000;
    try {
      await this.queue.upsertJobScheduler(
        SCHEDULER_ID,
        { every },
        { name: 'refresh', opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
      this.redisDownLogged = false;
      this.logger.log({ msg: 'rollup refresh scheduled', every_ms: every });
    } catch (error) {
      this.redisDown(error as Error);
      this.retry = setTimeout(() => void this.schedule(), 10_000);
      this.retry.unref();
    }
  }

  private redisDown(error: Error): void {
    if (this.redisDownLogged) return;
    this.redisDownLogged = true;
    this.logger.warn({ msg: 'rollup job queue unavailable; retrying', error: error.message });
  }
}
