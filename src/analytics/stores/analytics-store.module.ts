import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { TenantContext } from '../../database/tenant-context';
import { IngestionModule } from '../../ingestion/ingestion.module';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event-store';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { ANALYTICS_STORE, type AnalyticsStore } from './analytics-store';
import { ClickHouseAnalytics } from './clickhouse-analytics';
import { PostgresAnalytics } from './postgres-analytics';

/** The analytics reads over whichever event store ingestion writes to. */
@Module({
  imports: [IngestionModule],
  providers: [
    {
      provide: ANALYTICS_STORE,
      inject: [EVENT_STORE, TenantContext, ConfigService],
      useFactory: (
        store: EventStore,
        tenantContext: TenantContext,
        config: ConfigService<Environment, true>,
      ): AnalyticsStore =>
        store instanceof ClickHouseEventStore
          ? new ClickHouseAnalytics(store, config.get('CLICKHOUSE_DATABASE', { infer: true }), {
              rollups: config.get('CLICKHOUSE_ROLLUP_READS', { infer: true }) === 'true',
            })
          : new PostgresAnalytics(tenantContext),
    },
  ],
  exports: [ANALYTICS_STORE],
})
export class AnalyticsStoreModule {}
