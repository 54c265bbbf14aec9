import { Module } from '@nestjs/common';
import { PlansModule } from '../billing/plans/plans.module';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { BrandingModule } from '../branding/branding.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { QueryCostInterceptor } from './cost/query-cost.interceptor';
import {
  QUERY_COST,
  QUERY_DURATION,
  QUERY_ROWS_READ,
  QueryCostService,
} from './cost/query-cost.service';
import { QueryCostsController } from './cost/query-costs.controller';
import { QueryCostsRepository } from './cost/query-costs.repository';
import { DashboardsController } from './dashboards/dashboards.controller';
import { DashboardsRepository } from './dashboards/dashboards.repository';
import { DashboardsService } from './dashboards/dashboards.service';
import { WidgetRunner } from './dashboards/widget.runner';
import { EmbedAccessService } from './embed/embed-access.service';
import { EmbedAssets } from './embed/embed.assets';
import { EmbedDataController } from './embed/embed-data.controller';
import { EmbedPageController } from './embed/embed-page.controller';
import { GuestTokenController } from './embed/guest-token.controller';
import { GuestTokensService } from './embed/guest-tokens.service';
import { AnalyticsController } from './http/analytics.controller';
import { FunnelController } from './http/funnel.controller';
import { RetentionController } from './http/retention.controller';
import { AnalyticsQueryService } from './query/analytics-query.service';
import { AnalyticsService } from './query/analytics.service';
import { AnalyticsStoreModule } from './stores/analytics-store.module';
import { FairAnalyticsModule } from './fair/fair-analytics.module';

/**
 * Tenant analytics over whichever event store ingestion writes to: the query routes, the query
 * cost log (cost/), saved dashboards (dashboards/), and guest tokens with the embedded
 * dashboard pages (embed/). Rollups are kept by RollupsModule.
 */
@Module({
  imports: [
    AnalyticsStoreModule,
    AuditModule,
    AuthModule,
    BrandingModule,
    FairAnalyticsModule,
    PlansModule,
    TenancyModule,
  ],
  controllers: [
    AnalyticsController,
    FunnelController,
    RetentionController,
    QueryCostsController,
    DashboardsController,
    GuestTokenController,
    EmbedPageController,
    EmbedDataController,
  ],
  providers: [
    AnalyticsQueryService,
    AnalyticsService,
    QueryCostService,
    QueryCostsRepository,
    QueryCostInterceptor,
    makeHistogramProvider({
      name: QUERY_DURATION,
      help: 'Analytics query duration by kind, store and route template',
      labelNames: ['kind', 'store', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    makeCounterProvider({
      name: QUERY_ROWS_READ,
      help: 'Rows the event store read for analytics queries, by kind and store',
      labelNames: ['kind', 'store'],
    }),
    makeCounterProvider({
      name: QUERY_COST,
      help: 'Estimated cost of analytics queries in US dollars, by kind and store',
      labelNames: ['kind', 'store'],
    }),
    DashboardsService,
    DashboardsRepository,
    WidgetRunner,
    GuestTokensService,
    EmbedAccessService,
    EmbedAssets,
  ],
})
export class AnalyticsModule {}
