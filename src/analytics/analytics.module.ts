import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { TenantContext } from '../database/tenant-context';
import { IngestionModule } from '../ingestion/ingestion.module';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event-store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { AnalyticsController } from './http/analytics.controller';
import { FunnelController } from './http/funnel.controller';
import { RetentionController } from './http/retention.controller';
import { AnalyticsQueryService } from './query/analytics-query.service';
import { ANALYTICS_STORE, type AnalyticsStore } from './stores/analytics-store';
import { ClickHouseAnalytics } from './stores/clickhouse-analytics';
import { PostgresAnalytics } from './stores/postgres-analytics';

/** Tenant analytics over whichever event store ingestion writes to. */
@Module({
  imports: [IngestionModule],
  controllers: [AnalyticsController, FunnelController, RetentionController],
  providers: [
    AnalyticsQueryService,
    {
      provide: ANALYTICS_STORE,
      inject: [EVENT_STORE, TenantContext, ConfigService],
      useFactory: (
        store: EventStore,
        tenantContext: TenantContext,
        config: ConfigService<Environment, true>,
      ): AnalyticsStore =>
        store instanceof ClickHouseEventStore
          ? new ClickHouseAnalytics(store, config.get('CLICKHOUSE_DATABASE', { infer: true }))
          : new PostgresAnalytics(tenantContext),
    },
  ],
})
export class AnalyticsModule {}
