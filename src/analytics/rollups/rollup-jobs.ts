import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
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
