import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { TenantContext } from '../../database/tenant-context';
import { IngestionModule } from '../../ingestion/ingestion.module';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event-store';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { TimezoneRules } from '../../tenancy/settings/timezones';
import { ANALYTICS_STORE, type AnalyticsStore } from './analytics-store';
import { ClickHouseAnalytics } from './clickhouse-analytics';
import { PostgresAnalytics } from './postgres-analytics';

/** The analytics reads over whichever event store ingestion writes to. */
@Module({
  imports: [IngestionModule],
  providers: [
    {
      provide: ANALYTICS_STORE,
      inject: [EVENT_STORE, TenantContext, ConfigService, TimezoneRules],
      useFactory: (
        store: EventStore,
        tenantContext: TenantContext,
        config: ConfigService<Environment, true>,
        timezones: TimezoneRules,
      ): AnalyticsStore => {
        if (!(store instanceof ClickHouseEventStore)) return new PostgresAnalytics(tenantContext);
        const analytics = new ClickHouseAnalytics(
          store,
          config.get('CLICKHOUSE_DATABASE', { infer: true }),
          { rollups: config.get('CLICKHOUSE_ROLLUP_READS', { infer: true }) === 'true' },
        );
        // Tenants may choose only zones this server can compute in.
        timezones.addStoreCheck('ClickHouse', (zone) => analytics.knowsTimezone(zone));
        return analytics;
      },
    },
  ],
  exports: [ANALYTICS_STORE],
})
export class AnalyticsStoreModule {}
