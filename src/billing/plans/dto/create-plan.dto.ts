import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { TENANT_TIERS, type TenantTier } from '../../../tenancy/tenant.entity';
import type { Feature, OverQuotaPolicy } from '../plan-terms';
import { FeaturesField, OverQuotaField, PlanFigure } from './plan-fields';

/**
 * POST /admin/plans: the next version of a plan, every figure given (versions are whole). The
 * analytics limits, added later, may be left out: the code's current version's figures carry
 * over, so clients written before them keep working.
 */
export class CreatePlanDto {
  @ApiProperty({
    enum: TENANT_TIERS,
    description: 'The plan (tier) this is a new version of; tenants name it as their tier',
  })
  @IsIn(TENANT_TIERS, { message: `code must be one of: ${TENANT_TIERS.join(', ')}` })
  code: TenantTier;

  @PlanFigure('price_cents_per_month', true) price_cents_per_month: number;
  @PlanFigure('events_per_month', true) events_per_month: number;
  @OverQuotaField(true) over_quota: OverQuotaPolicy;
  @PlanFigure('overage_cents_per_1000_events', true) overage_cents_per_1000_events: number;
  @PlanFigure('api_requests_per_minute', true) api_requests_per_minute: number;
  @PlanFigure('storage_gb', true) storage_gb: number;
  @PlanFigure('users', true) users: number | null;
  @PlanFigure('event_sources', true) event_sources: number | null;
  @PlanFigure('data_retention_days', true) data_retention_days: number;
  @FeaturesField(true) features: Feature[];
  @PlanFigure('analytics_concurrent_queries', false) analytics_concurrent_queries?: number;
  @PlanFigure('analytics_query_seconds', false) analytics_query_seconds?: number;
  @PlanFigure('analytics_rows_per_query', false) analytics_rows_per_query?: number;
}
