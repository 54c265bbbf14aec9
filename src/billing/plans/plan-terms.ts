/**
 * What a tenant may use and what it pays: its plan version with its contract's overrides on
 * top. The one shape every billing check reads (EntitlementsService.termsOf).
 */
// dedicated_database (issue 18): the tenant may be placed in a database of its own (a silo).
export const FEATURES = ['white_label', 'sso', 'funnels_retention', 'dedicated_database'] as const;
export type Feature = (typeof FEATURES)[number];

export const OVER_QUOTA_POLICIES = ['refuse', 'overage'] as const;
export type OverQuotaPolicy = (typeof OVER_QUOTA_POLICIES)[number];

export interface PlanTerms {
  /** The plan code (a TenantTier). */
  plan: string;
  version: number;
  priceCentsPerMonth: number;
  eventsPerMonth: number;
  overQuota: OverQuotaPolicy;
  overageCentsPer1000Events: number;
  apiRequestsPerMinute: number;
  storageGb: number;
  /** null = unlimited. */
  users: number | null;
  /** API keys holding events:write; null = unlimited. */
  eventSources: number | null;
  dataRetentionDays: number;
  features: readonly Feature[];
  /** Analytics queries running at once, every app copy together. */
  analyticsConcurrentQueries: number;
  /** Wall time one analytics query may take. */
  analyticsQuerySeconds: number;
  /** Rows one analytics query may read, where the store can stop it (see README, "Fair analytics"). */
  analyticsRowsPerQuery: number;
}

/** The figures a contract may change, as stored in tenants.plan_overrides (snake_case). */
export const OVERRIDABLE = {
  price_cents_per_month: 'priceCentsPerMonth',
  events_per_month: 'eventsPerMonth',
  over_quota: 'overQuota',
  overage_cents_per_1000_events: 'overageCentsPer1000Events',
  api_requests_per_minute: 'apiRequestsPerMinute',
  storage_gb: 'storageGb',
  users: 'users',
  event_sources: 'eventSources',
  data_retention_days: 'dataRetentionDays',
  features: 'features',
  analytics_concurrent_queries: 'analyticsConcurrentQueries',
  analytics_query_seconds: 'analyticsQuerySeconds',
  analytics_rows_per_query: 'analyticsRowsPerQuery',
} as const satisfies Record<string, keyof PlanTerms>;

export type PlanOverrideField = keyof typeof OVERRIDABLE;

/**
 * A tenant's overrides: only the fields its contract changes are present. For users and
 * event_sources, null means unlimited (present and null overrides a plan's limit).
 */
export type PlanOverrides = {
  -readonly [K in PlanOverrideField]?: PlanTerms[(typeof OVERRIDABLE)[K]];
};

/** The plan's terms with the overrides applied. */
export function applyOverrides(base: PlanTerms, overrides: PlanOverrides): PlanTerms {
  const terms: Record<string, unknown> = { ...base };
  for (const [field, key] of Object.entries(OVERRIDABLE)) {
    if (Object.prototype.hasOwnProperty.call(overrides, field)) {
      terms[key] = overrides[field as PlanOverrideField];
    }
  }
  return terms as unknown as PlanTerms;
}
