import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrandingModule } from '../branding/branding.module';
import type { Environment } from '../config/environment';
import { TenantContext } from '../database/tenant-context';
import { IngestionModule } from '../ingestion/ingestion.module';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event-store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { DashboardsController } from './dashboards/dashboards.controller';
import { DashboardsService } from './dashboards/dashboards.service';
import { WidgetRunner } from './dashboards/widget-runner';
import { EmbedAccess } from './embed/embed-access.service';
import { EmbedAssets } from './embed/embed-assets';
import { EmbedDataController } from './embed/embed-data.controller';
import { EmbedPageController } from './embed/embed-page.controller';
import { GuestTokenController } from './embed/guest-token.controller';
import { GuestTokensService } from './embed/guest-tokens.service';
import { AnalyticsController } from './http/analytics.controller';
import { ANALYTICS_STORE, type AnalyticsStore } from './stores/analytics-store';
import { ClickHouseAnalytics } from './stores/clickhouse-analytics';
import { PostgresAnalytics } from './stores/postgres-analytics';

/**
 * Tenant analytics over whichever event store ingestion writes to: the query routes, saved
 * dashboards (dashboards/), and guest tokens with the embedded dashboard pages (embed/).
 */
@Module({
  imports: [IngestionModule, BrandingModule],
  controllers: [
    AnalyticsController,
    DashboardsController,
    GuestTokenController,
    EmbedPageController,
    EmbedDataController,
  ],
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
          ? new ClickHouseAnalytics(store, config.get('CLICKHOUSE_DATABASE', { infer: true }))
          : new PostgresAnalytics(tenantContext),
    },
    DashboardsService,
    WidgetRunner,
    GuestTokensService,
    EmbedAccess,
    EmbedAssets,
  ],
})
export class AnalyticsModule {}
