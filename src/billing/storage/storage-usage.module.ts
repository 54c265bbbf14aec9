import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { UsageMeteringModule } from '../usage/usage-metering.module';
import { StorageCatalogueRepository } from './storage-catalogue.repository';
import { StorageJobProcessor } from './storage-job.processor';
import { STORAGE_JOB } from './storage.job';
import { StorageJobScheduler } from './storage-job.scheduler';
import { STORAGE_TENANTS_MEASURED, StorageUsageRefresher } from './storage-usage.refresher';
import { StorageTimer } from './storage.timer';

/**
 * The daily storage estimate per tenant: a BullMQ repeatable job when Redis is configured (one
 * run per day across every app copy; the queue shares the root BullMQ connection and prefix the
 * rollups module sets), an in-process timer otherwise.
 */
@Module({})
export class StorageUsageModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      StorageUsageRefresher,
      StorageCatalogueRepository,
      makeCounterProvider({
        name: STORAGE_TENANTS_MEASURED,
        help: 'Tenants whose storage the daily job estimated',
      }),
    ];
    // The event store and the tenancy services are looked up when the job runs (see
    // StorageUsageRefresher), not imported: a module with controllers imported from here would
    // be registered before the app's own list, reordering its routes (and the OpenAPI document).
    const imports = [UsageMeteringModule];
    if (!redisUrl) {
      return {
        module: StorageUsageModule,
        imports,
        providers: [...common, StorageTimer],
        exports: [StorageUsageRefresher],
      };
    }
    return {
      module: StorageUsageModule,
      imports: [...imports, BullModule.registerQueue({ name: STORAGE_JOB.queue })],
      providers: [...common, StorageJobScheduler, StorageJobProcessor],
      exports: [StorageUsageRefresher],
    };
  }
}
