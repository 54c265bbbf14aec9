import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { ClosedWeekCompactionRunner, COMPACTED_WEEKS } from './closed-week-compaction.runner';
import { CompactionJobProcessor } from './compaction-job.processor';
import { COMPACTION_QUEUE } from './compaction.job';
import { CompactionJobScheduler } from './compaction-job.scheduler';
import { CompactionTimer } from './compaction.timer';

/**
 * Merges the ClickHouse event store's closed weeks into one part each, so analytics count them
 * without FINAL: a BullMQ repeatable job when Redis is configured (the queue shares the root
 * BullMQ connection and prefix the rollups module sets), an in-process timer otherwise.
 */
@Module({})
export class CompactionModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      ClosedWeekCompactionRunner,
      makeCounterProvider({
        name: COMPACTED_WEEKS,
        help: 'UTC weeks of ClickHouse events merged into one part by the compaction job',
      }),
    ];
    if (!redisUrl) {
      return {
        module: CompactionModule,
        providers: [...common, CompactionTimer],
        exports: [ClosedWeekCompactionRunner],
      };
    }
    return {
      module: CompactionModule,
      imports: [BullModule.registerQueue({ name: COMPACTION_QUEUE })],
      providers: [...common, CompactionJobScheduler, CompactionJobProcessor],
      exports: [ClosedWeekCompactionRunner],
    };
  }
}
