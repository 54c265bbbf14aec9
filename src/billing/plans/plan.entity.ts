import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TenantTier } from '../../tenancy/tenant.entity';
import type { Feature, OverQuotaPolicy, PlanTerms } from './plan-terms';

/**
 * One version of a plan (platform-owned, no tenant_id, no RLS). Immutable: a price or limit
 * change is a new version of the same code, and tenants keep the version they signed.
 */
@Entity({ name: 'plans' })
export class Plan {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  code: TenantTier;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'price_cents_per_month', type: 'integer' })
  priceCentsPerMonth: number;

  @Column({ name: 'events_per_month', type: 'integer' })
  eventsPerMonth: number;

  @Column({ name: 'over_quota', type: 'varchar', length: 16 })
  overQuota: OverQuotaPolicy;

  @Column({ name: 'overage_cents_per_1000_events', type: 'integer' })
  overageCentsPer1000Events: number;

  @Column({ name: 'api_requests_per_minute', type: 'integer' })
  apiRequestsPerMinute: number;

  @Column({ name: 'storage_gb', type: 'integer' })
  storageGb: number;

  @Column({ type: 'integer', nullable: true })
  users: number | null;

  @Column({ name: 'event_sources', type: 'integer', nullable: true })
  eventSources: number | null;

  @Column({ name: 'data_retention_days', type: 'integer' })
  dataRetentionDays: number;

  @Column({ type: 'text', array: true })
  features: Feature[];

  @Column({ name: 'analytics_concurrent_queries', type: 'integer' })
  analyticsConcurrentQueries: number;

  @Column({ name: 'analytics_query_seconds', type: 'integer' })
  analyticsQuerySeconds: number;

  @Column({ name: 'analytics_rows_per_query', type: 'integer' })
  analyticsRowsPerQuery: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A plan version's own terms (no overrides). */
export function termsOfPlan(plan: Plan): PlanTerms {
  return {
    plan: plan.code,
    version: plan.version,
    priceCentsPerMonth: plan.priceCentsPerMonth,
    eventsPerMonth: plan.eventsPerMonth,
    overQuota: plan.overQuota,
    overageCentsPer1000Events: plan.overageCentsPer1000Events,
    apiRequestsPerMinute: plan.apiRequestsPerMinute,
    storageGb: plan.storageGb,
    users: plan.users,
    eventSources: plan.eventSources,
    dataRetentionDays: plan.dataRetentionDays,
    features: [...plan.features],
    analyticsConcurrentQueries: plan.analyticsConcurrentQueries,
    analyticsQuerySeconds: plan.analyticsQuerySeconds,
    analyticsRowsPerQuery: plan.analyticsRowsPerQuery,
  };
}
