import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Environment } from '../config/environment';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { ClickHouseEventExportStore } from '../ingestion/store/export/clickhouse-event-export.store';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import {
  EVENT_EXPORT_SOURCE,
  type EventExportSource,
} from '../ingestion/store/export/event-export-source';
import { PostgresEventExportStore } from '../ingestion/store/export/postgres-event-export.store';
import { TenancyModule } from '../tenancy/tenancy.module';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { DataExportsRepository } from './data-exports.repository';
import {
  DATA_EXPORT_ROWS,
  DATA_EXPORTS_FINISHED,
  ExportBuilderService,
} from './export-builder.service';
import { EXPORT_CLEANUP_JOB } from './export-cleanup.job';
import { ExportCleanupJobProcessor } from './export-cleanup-job.processor';
import { ExportCleanupJobScheduler } from './export-cleanup-job.scheduler';
import { EXPORT_FILES_REMOVED, ExportCleanupService } from './export-cleanup.service';
import { ExportCleanupTimer } from './export-cleanup.timer';
import { ExportDispatchService } from './export-dispatch.service';
import { ExportRequeueService } from './export-requeue.service';
import { ExportFilesModule } from './export-files.module';
import { ExportFilesPurgeListener } from './export-files-purge.listener';
import { EXPORT_RUN_QUEUE } from './export-run.queue';
import { ExportRunProcessor } from './export-run.processor';
import { ExportTablesRepository } from './export-tables.repository';
import { ExportsController } from './exports.controller';
import { ExportsService } from './exports.service';
import { QueuedExportsRepository } from './queued-exports.repository';
import { TENANTS_IMPORTED, TenantImportService } from './import/tenant-import.service';
import { TenantImportController } from './import/tenant-import.controller';
import { TenantImportRepository } from './import/tenant-import.repository';

type Config = ConfigService<Environment, true>;

/**
 * Data portability: tenant exports (/v1/exports) and imports of an export into a new tenant
 * (/admin/tenants/:id/import). Export runs are BullMQ jobs on a plain queue when Redis is
 * configured (any app copy's worker runs one; the queue shares the root BullMQ connection and
 * its per-database prefix, set by RollupsModule.register), in-process otherwise. The daily
 * clean-up of files older than 7 days is a scheduled job (src/jobs) either way.
 * ExportFilesService.removeAllForTenant is for the tenant purge: import ExportFilesModule.
 */
@Module({})
export class ExportsModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      ExportFilesPurgeListener,
      DataExportsRepository,
      ExportTablesRepository,
      ExportBuilderService,
      ExportDispatchService,
      ExportsService,
      ExportCleanupService,
      TenantImportRepository,
      TenantImportService,
      {
        provide: EVENT_EXPORT_SOURCE,
        inject: [EVENT_STORE, ConfigService, TenantContext],
        useFactory: (store: EventStore, config: Config, tenantContext: TenantContext) => {
          // The export reads from the store the app writes to.
          if (store.kind === 'postgres') return new PostgresEventExportStore(tenantContext);
          const username = config.get('CLICKHOUSE_WRITER_USER', { infer: true });
          const writer = username
            ? {
                username,
                password: config.get('CLICKHOUSE_WRITER_PASSWORD', { infer: true }) ?? '',
              }
            : undefined;
          return new ClickHouseEventExportStore(
            // A cluster's every server: each tenant is exported from its own shard.
            store instanceof ClickHouseEventStore
              ? store.nodeUrls
              : [config.get('CLICKHOUSE_URL', { infer: true })],
            config.get('CLICKHOUSE_DATABASE', { infer: true }),
            writer,
          ) satisfies EventExportSource;
        },
      },
      makeCounterProvider({
        name: DATA_EXPORTS_FINISHED,
        help: 'Data exports finished, by outcome (completed, failed) and event store',
        labelNames: ['outcome', 'store'],
      }),
      makeCounterProvider({
        name: DATA_EXPORT_ROWS,
        help: 'Rows written to completed export archives (every table), by event store',
        labelNames: ['store'],
      }),
      makeCounterProvider({
        name: EXPORT_FILES_REMOVED,
        help: 'Export files removed by the daily clean-up (older than 7 days)',
      }),
      makeCounterProvider({
        name: TENANTS_IMPORTED,
        help: 'Export archives imported into a tenant, by outcome (imported, refused)',
        labelNames: ['outcome'],
      }),
    ];
    const imports = [AuditModule, AuthModule, ExportFilesModule, IngestionModule, TenancyModule];
    const controllers = [ExportsController, TenantImportController];
    const exports = [ExportFilesModule];
    if (!redisUrl) {
      return {
        module: ExportsModule,
        imports,
        controllers,
        providers: [...common, ExportCleanupTimer],
        exports,
      };
    }
    return {
      module: ExportsModule,
      imports: [
        ...imports,
        BullModule.registerQueue({ name: EXPORT_RUN_QUEUE }, { name: EXPORT_CLEANUP_JOB.queue }),
      ],
      controllers,
      providers: [
        ...common,
        ExportRunProcessor,
        QueuedExportsRepository,
        ExportRequeueService,
        ExportCleanupJobScheduler,
        ExportCleanupJobProcessor,
      ],
      exports,
    };
  }
}
