import type { Feature, OverQuotaPolicy } from '../plan-terms';
import { FeaturesField, OverQuotaField, PlanFigure } from './plan-fields';

/**
 * PUT /admin/tenants/{id}/overrides: a contract's changes to its plan, replacing the previous
 * ones whole; a field left out takes the plan's figure, `{}` clears every override. users and
 * event_sources take null for unlimited.
 */
export class SetPlanOverridesDto {
  @PlanFigure('price_cents_per_month', false) price_cents_per_month?: number;
  @PlanFigure('events_per_month', false) events_per_month?: number;
  @OverQuotaField(false) over_quota?: OverQuotaPolicy;
  @PlanFigure('overage_cents_per_1000_events', false) overage_cents_per_1000_events?: number;
  @PlanFigure('api_requests_per_minute', false) api_requests_per_minute?: number;
  @PlanFigure('storage_gb', false) storage_gb?: number;
  @PlanFigure('users', false) users?: number | null;
  @PlanFigure('event_sources', false) event_sources?: number | null;
  @PlanFigure('data_retention_days', false) data_retention_days?: number;
  @FeaturesField(false) features?: Feature[];
  @PlanFigure('analytics_concurrent_queries', false) analytics_concurrent_queries?: number;
  @PlanFigure('analytics_query_seconds', false) analytics_query_seconds?: number;
  @PlanFigure('analytics_rows_per_query', false) analytics_rows_per_query?: number;
}
