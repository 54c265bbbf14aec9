import type { TenantTier } from './tenant.entity';

/**
 * The seeded figures of each tier (version 1 of the plan catalogue, migration 1763900000040).
 * The catalogue in PostgreSQL is the truth: request paths read a tenant's terms from
 * EntitlementsService.termsOf (src/billing/plans), which adds newer versions and overrides.
 * What stays here is read where no tenant is at hand: the demo CLI's history window, the unit
 * tests of the range parsers, and MAX_RETENTION_DAYS (plan versions and overrides are bounded
 * by it, so the event store's partitions cover every plan).
 */
export interface Plan {
  /** Events older than this are refused at ingestion and out of reach of queries. */
  dataRetentionDays: number;
  eventsPerMonth: number;
  apiRequestsPerMinute: number;
}

export const PLANS: Record<TenantTier, Plan> = {
  starter: { dataRetentionDays: 90, eventsPerMonth: 1_000_000, apiRequestsPerMinute: 100 },
  growth: { dataRetentionDays: 180, eventsPerMonth: 10_000_000, apiRequestsPerMinute: 500 },
  enterprise: { dataRetentionDays: 730, eventsPerMonth: 100_000_000, apiRequestsPerMinute: 2000 },
};

/** The longest retention of any plan: how far back the event store keeps partitions. */
export const MAX_RETENTION_DAYS = Math.max(...Object.values(PLANS).map((p) => p.dataRetentionDays));
