import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../../audit/audit.module';
import { AuthModule } from '../../auth/auth.module';
import { IngestionModule } from '../../ingestion/ingestion.module';
import { TenancyModule } from '../tenancy.module';
import { TenantDeletionController } from './tenant-deletion.controller';
import { TenantDeletionService } from './tenant-deletion.service';
import { TenantLifecycleAdminController } from './tenant-lifecycle.admin.controller';
import { TenantLifecycleRepository } from './tenant-lifecycle.repository';
import { TenantPurgeJobProcessor } from './tenant-purge-job.processor';
import { TenantPurgeJobScheduler } from './tenant-purge-job.scheduler';
import { TENANT_PURGE_JOB } from './tenant-purge.job';
import { TENANT_PURGE_ROWS, TENANT_PURGES, TenantPurgeService } from './tenant-purge.service';
import { TenantPurgeTimer } from './tenant-purge.timer';
import { TenantRedisKeysStore } from './tenant-redis-keys.store';

/**
 * A tenant's end: deletion with a grace period, restore, and the purge everywhere (routes, the
 * hourly job). Sits above tenancy, auth and ingestion (it revokes sessions and empties the event
 * store), as onboarding does; other modules add purge steps through TenantPurgeRegistry, in
 * TenancyModule, without depending on this one. The job is a BullMQ repeatable job when Redis is
 * configured (the queue shares the root BullMQ connection and its database-named prefix), an
 * in-process timer otherwise.
 */
@Module({})
export class TenantLifecycleModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      TenantDeletionService,
      TenantPurgeService,
      TenantLifecycleRepository,
      TenantRedisKeysStore,
      makeCounterProvider({
        name: TENANT_PURGE_ROWS,
        help: 'Rows, keys, jobs and files a tenant purge removed, by store',
        labelNames: ['store'],
      }),
      makeCounterProvider({
        name: TENANT_PURGES,
        help: 'Tenant purges by outcome (purged, failed: resumed by the next run)',
        labelNames: ['outcome'],
      }),
    ];
    return {
      module: TenantLifecycleModule,
      imports: [
        AuditModule,
        AuthModule,
        IngestionModule,
        TenancyModule,
        ...(redisUrl ? [BullModule.registerQueue({ name: TENANT_PURGE_JOB.queue })] : []),
      ],
      controllers: [TenantLifecycleAdminController, TenantDeletionController],
      providers: [
        ...common,
        ...(redisUrl ? [TenantPurgeJobScheduler, TenantPurgeJobProcessor] : [TenantPurgeTimer]),
      ],
      exports: [TenantPurgeService, TenantDeletionService, TenantRedisKeysStore],
    };
  }
}
