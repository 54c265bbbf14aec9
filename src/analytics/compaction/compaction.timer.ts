import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { ClosedWeekCompactionRunner } from './closed-week-compaction.runner';
import { compactionJob } from './compaction.job';

/** Without Redis: an in-process timer runs the compaction (ClickHouse event store only). */
@Injectable()
export class CompactionTimer extends IntervalJobTimer {
  constructor(
    private readonly compactor: ClosedWeekCompactionRunner,
    config: ConfigService<Environment, true>,
    registry: ScheduledJobRegistry,
  ) {
    super(compactionJob(config.get('CLICKHOUSE_COMPACTION_SECONDS', { infer: true })), registry);
  }

  protected override get enabled(): boolean {
    return this.compactor.store instanceof ClickHouseEventStore;
  }

  protected run(): Promise<unknown> {
    return this.compactor.compact();
  }
}
