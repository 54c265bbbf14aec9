import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { EventPartitionsRepository } from './event-partitions.repository';
import { RETENTION_REMOVED, RetentionEnforcerService } from './retention-enforcer.service';
import { RetentionJobProcessor } from './retention-job.processor';
import { RetentionJobScheduler } from './retention-job.scheduler';
import { RETENTION_JOB } from './retention.job';
import { RetentionTimer } from './retention.timer';

/**
 * Daily retention enforcement: a BullMQ repeatable job when Redis is configured (one run a day
 * across every app copy; the queue shares the root BullMQ connection, whose prefix carries the
 * database name, set by RollupsModule.register), an in-process timer otherwise.
 */
@Module({})
export class RetentionModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      RetentionEnforcerService,
      EventPartitionsRepository,
      makeCounterProvider({
        name: RETENTION_REMOVED,
        help: 'What retention removed: events, rollup rows and partitions, per store',
        labelNames: ['store', 'kind'],
      }),
    ];
    if (!redisUrl) {
      return {
        module: RetentionModule,
        providers: [...common, RetentionTimer],
        exports: [RetentionEnforcerService],
      };
    }
    return {
      module: RetentionModule,
      imports: [BullModule.registerQueue({ name: RETENTION_JOB.queue })],
      providers: [...common, RetentionJobScheduler, RetentionJobProcessor],
      exports: [RetentionEnforcerService],
    };
  }
}
