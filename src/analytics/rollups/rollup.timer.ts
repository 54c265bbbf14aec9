import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import { PostgresRollupRefresher } from './postgres-rollup.refresher';
import { rollupJob } from './rollup.job';

/**
 * The embedded default without Redis: an in-process timer runs the rollup refresh. ClickHouse
 * needs neither timer nor job: its materialized view keeps the rollup on every insert.
 */
@Injectable()
export class RollupTimer extends IntervalJobTimer {
  constructor(
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    private readonly refresher: PostgresRollupRefresher,
    config: ConfigService<Environment, true>,
    registry: ScheduledJobRegistry,
  ) {
    super(rollupJob(config.get('ROLLUP_REFRESH_SECONDS', { infer: true })), registry);
  }

  protected override get enabled(): boolean {
    return this.store.kind === 'postgres';
  }

  protected run(): Promise<unknown> {
    return this.refresher.refreshStaleDays();
  }
}
