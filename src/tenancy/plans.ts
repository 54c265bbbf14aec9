import type { TenantTier } from './tenant.entity';

/** What each tier includes. Figures from the product's pricing notes (seeds: tier quotas). */
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
