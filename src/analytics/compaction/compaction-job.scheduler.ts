import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bullmq';
import type { Environment } from '../../config/environment';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { ClosedWeekCompactionRunner } from './closed-week-compaction.runner';
import { COMPACTION_QUEUE, compactionJob } from './compaction.job';

/** Registers the repeatable compaction when events live in ClickHouse. */
@Injectable()
export class CompactionJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(COMPACTION_QUEUE) queue: Queue,
    private readonly compactor: ClosedWeekCompactionRunner,
    config: ConfigService<Environment, true>,
    registry: ScheduledJobRegistry,
  ) {
    super(
      queue,
      compactionJob(config.get('CLICKHOUSE_COMPACTION_SECONDS', { infer: true })),
      registry,
    );
  }

  protected override get enabled(): boolean {
    return this.compactor.store instanceof ClickHouseEventStore;
  }
}
