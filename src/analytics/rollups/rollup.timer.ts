import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { PostgresRollupRefresher } from './postgres-rollup.refresher';

/**
 * The embedded default without Redis: an in-process timer runs the rollup refresh. With Redis
 * the BullMQ repeatable job does (rollup-job.scheduler.ts), once per period across every app copy.
 * ClickHouse needs neither: its materialized view keeps the rollup on every insert.
 */
@Injectable()
export class RollupTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RollupTimer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    private readonly refresher: PostgresRollupRefresher,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.store.kind !== 'postgres') return;
    const seconds = this.config.get('ROLLUP_REFRESH_SECONDS', { infer: true });
    this.timer = setInterval(() => {
      this.running ??= this.refresher
        .refreshStaleDays()
        .catch((error: Error) =>
          this.logger.error({ msg: 'rollup refresh failed', error: error.message }),
        )
        .finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
