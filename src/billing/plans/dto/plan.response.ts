import { ApiProperty } from '@nestjs/swagger';
import { TENANT_TIERS } from '../../../tenancy/tenant.entity';
import type { Plan } from '../plan.entity';
import { FEATURES, OVER_QUOTA_POLICIES, type PlanTerms } from '../plan-terms';

const INT = { type: 'integer' as const, minimum: 0 };
const NULLABLE_INT = { type: 'integer' as const, minimum: 0, nullable: true };

/** A plan's figures as the API shows them (a version's, or a tenant's effective terms). */
export class PlanTermsResponse {
  @ApiProperty({ enum: TENANT_TIERS }) code: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) version: number;
  @ApiProperty(INT) price_cents_per_month: number;
  @ApiProperty(INT) events_per_month: number;
  @ApiProperty({ enum: OVER_QUOTA_POLICIES }) over_quota: string;
  @ApiProperty(INT) overage_cents_per_1000_events: number;
  @ApiProperty(INT) api_requests_per_minute: number;
  @ApiProperty(INT) storage_gb: number;
  @ApiProperty({ ...NULLABLE_INT, description: 'null = unlimited' }) users: number | null;
  @ApiProperty({ ...NULLABLE_INT, description: 'API keys with events:write; null = unlimited' })
  event_sources: number | null;
  @ApiProperty(INT) data_retention_days: number;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...FEATURES] } })
  features: string[];
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Analytics queries at once' })
  analytics_concurrent_queries: number;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Seconds per analytics query' })
  analytics_query_seconds: number;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Rows read per analytics query' })
  analytics_rows_per_query: number;

  static fromTerms(terms: PlanTerms): PlanTermsResponse {
    return {
      code: terms.plan,
      version: terms.version,
      price_cents_per_month: terms.priceCentsPerMonth,
      events_per_month: terms.eventsPerMonth,
      over_quota: terms.overQuota,
      overage_cents_per_1000_events: terms.overageCentsPer1000Events,
      api_requests_per_minute: terms.apiRequestsPerMinute,
      storage_gb: terms.storageGb,
      users: terms.users,
      event_sources: terms.eventSources,
      data_retention_days: terms.dataRetentionDays,
      features: [...terms.features],
      analytics_concurrent_queries: terms.analyticsConcurrentQueries,
      analytics_query_seconds: terms.analyticsQuerySeconds,
      analytics_rows_per_query: terms.analyticsRowsPerQuery,
    };
  }
}

/** One version of the catalogue. */
export class PlanResponse extends PlanTermsResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Whether this is the version new tenants and plan changes get' })
  current: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;

  static from(plan: Plan, current: boolean): PlanResponse {
    return {
      id: plan.id,
      code: plan.code,
      version: plan.version,
      current,
      price_cents_per_month: plan.priceCentsPerMonth,
      events_per_month: plan.eventsPerMonth,
      over_quota: plan.overQuota,
      overage_cents_per_1000_events: plan.overageCentsPer1000Events,
      api_requests_per_minute: plan.apiRequestsPerMinute,
      storage_gb: plan.storageGb,
      users: plan.users,
      event_sources: plan.eventSources,
      data_retention_days: plan.dataRetentionDays,
      features: [...plan.features],
      analytics_concurrent_queries: plan.analyticsConcurrentQueries,
      analytics_query_seconds: plan.analyticsQuerySeconds,
      analytics_rows_per_query: plan.analyticsRowsPerQuery,
      created_at: plan.createdAt.toISOString(),
    };
  }
}
