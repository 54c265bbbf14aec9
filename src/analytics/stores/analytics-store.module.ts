import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { IngestionModule } from '../../ingestion/ingestion.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { TimezoneRulesService } from '../../tenancy/settings/timezone-rules.service';
import { ANALYTICS_STORE, type AnalyticsStore } from './analytics-store';
import { ClickHouseAnalyticsStore } from './clickhouse-analytics.store';
import { PostgresAnalyticsStore } from './postgres-analytics.store';

/** The analytics reads over whichever event store ingestion writes to. */
@Module({
  imports: [IngestionModule, TenancyModule],
  providers: [
    {
      provide: ANALYTICS_STORE,
      inject: [EVENT_STORE, TenantContext, ConfigService, TimezoneRulesService],
      useFactory: (
        store: EventStore,
        tenantContext: TenantContext,
        config: ConfigService<Environment, true>,
        timezones: TimezoneRulesService,
      ): AnalyticsStore => {
        if (!(store instanceof ClickHouseEventStore))
          return new PostgresAnalyticsStore(tenantContext);
        const analytics = new ClickHouseAnalyticsStore(
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
