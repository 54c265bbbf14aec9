import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { ErasureJobProcessor } from './erasure-job.processor';
import { ErasureJobsService } from './erasure-jobs.service';
import { ErasureRequestsRepository } from './erasure-requests.repository';
import { ERASURE_QUEUE } from './erasure.job';
import { ERASURE_EVENTS_REMOVED, ERASURES_FINISHED, ErasureRunner } from './erasure.runner';
import { ErasuresController } from './erasures.controller';
import { ErasuresService } from './erasures.service';
import { RetentionModule } from './retention/retention.module';
import { UnfinishedErasuresRepository } from './unfinished-erasures.repository';

/**
 * Data rights of a tenant's end users and the plan's retention: `/v1/privacy/erasures` (erasure
 * passes as BullMQ jobs when Redis is configured, in this process otherwise) and the daily
 * retention job (RetentionModule).
 */
@Module({})
export class PrivacyModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const providers = [
      ErasuresService,
      ErasureRequestsRepository,
      ErasureRunner,
      ErasureJobsService,
      UnfinishedErasuresRepository,
      makeCounterProvider({
        name: ERASURE_EVENTS_REMOVED,
        help: 'Event rows removed by end-user erasures, per store',
        labelNames: ['store'],
      }),
      makeCounterProvider({
        name: ERASURES_FINISHED,
        help: 'Erasure passes finished (first or recheck), by outcome',
        labelNames: ['pass', 'outcome'],
      }),
    ];
    const imports = [RetentionModule.register(redisUrl)];
    return {
      module: PrivacyModule,
      imports: redisUrl ? [...imports, BullModule.registerQueue({ name: ERASURE_QUEUE })] : imports,
      controllers: [ErasuresController],
      providers: redisUrl ? [...providers, ErasureJobProcessor] : providers,
    };
  }
}
