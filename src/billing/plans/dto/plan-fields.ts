import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { FEATURES, type Feature, OVER_QUOTA_POLICIES, type OverQuotaPolicy } from '../plan-terms';

/**
 * The bounds of every plan figure (a new version's, and an override's): integers, never
 * negative, each capped so no figure can size work or overflow a column.
 */
export const PLAN_BOUNDS = {
  price_cents_per_month: [0, 100_000_000],
  events_per_month: [1, 2_000_000_000],
  overage_cents_per_1000_events: [0, 100_000],
  api_requests_per_minute: [1, 1_000_000],
  storage_gb: [1, 1_000_000],
  users: [1, 1_000_000],
  event_sources: [0, 100_000],
  data_retention_days: [1, 730],
  analytics_concurrent_queries: [1, 64],
  analytics_query_seconds: [1, 300],
  analytics_rows_per_query: [1, 2_000_000_000],
} as const;

type Bounded = keyof typeof PLAN_BOUNDS;

/** An integer field within its bounds; `nullable` ones take null for unlimited. */
function bounded(field: Bounded, description: string, nullable = false): PropertyDecorator {
  const [min, max] = PLAN_BOUNDS[field];
  return (target, key) => {
    if (nullable) ValidateIf((_o: object, v: unknown) => v !== null)(target, key);
    IsInt({ message: `${field} must be an integer` })(target, key);
    Min(min, { message: `${field} must be at least ${min}` })(target, key);
    Max(max, { message: `${field} must be at most ${max}` })(target, key);
  };
}

const FIELD_DOCS: Record<Bounded, string> = {
  price_cents_per_month: 'Base price per month, in US cents',
  events_per_month: 'Events included per calendar month (UTC)',
  overage_cents_per_1000_events:
    'Price per 1,000 events past the quota, in US cents (overage plans)',
  api_requests_per_minute: 'API requests per minute, all credentials of the tenant together',
  storage_gb: 'Storage, in GB',
  users: 'Active users; null = unlimited',
  event_sources: 'API keys holding events:write; null = unlimited',
  data_retention_days: 'Days of events kept and queryable',
  analytics_concurrent_queries:
    'Analytics queries of the tenant running at once, every app copy together (more: 429)',
  analytics_query_seconds:
    'Seconds one analytics query may run (past it: 503); the store’s own ceiling still applies',
  analytics_rows_per_query:
    'Rows one analytics query may read on ClickHouse (past it: 422); the store’s own ceiling still applies',
};

/** OpenAPI and validation for one figure, required (a plan version) or optional (an override). */
export function PlanFigure(field: Bounded, required: boolean): PropertyDecorator {
  const [minimum, maximum] = PLAN_BOUNDS[field];
  const nullable = field === 'users' || field === 'event_sources';
  const options = {
    description: FIELD_DOCS[field],
    type: 'integer' as const,
    minimum,
    maximum,
    ...(nullable ? { nullable: true } : {}),
  };
  return (target, key) => {
    (required ? ApiProperty(options) : ApiPropertyOptional(options))(target, key);
    if (!required) ValidateIf((_o: object, v: unknown) => v !== undefined)(target, key);
    bounded(field, FIELD_DOCS[field], nullable)(target, key);
  };
}

export function OverQuotaField(required: boolean): PropertyDecorator {
  return (target, key) => {
    const options = {
      enum: OVER_QUOTA_POLICIES,
      description: 'Past the monthly event quota: refuse events, or accept them and bill overage',
    };
    (required ? ApiProperty(options) : ApiPropertyOptional(options))(target, key);
    if (!required) ValidateIf((_o: object, v: unknown) => v !== undefined)(target, key);
    IsIn(OVER_QUOTA_POLICIES, { message: 'over_quota must be one of: refuse, overage' })(
      target,
      key,
    );
  };
}

export function FeaturesField(required: boolean): PropertyDecorator {
  return (target, key) => {
    const options = {
      type: 'array' as const,
      items: { type: 'string' as const, enum: [...FEATURES] },
      maxItems: FEATURES.length,
      uniqueItems: true,
      description: 'Features included',
    };
    (required ? ApiProperty(options) : ApiPropertyOptional(options))(target, key);
    if (!required) ValidateIf((_o: object, v: unknown) => v !== undefined)(target, key);
    IsArray({ message: 'features must be an array' })(target, key);
    ArrayMaxSize(FEATURES.length, { message: `features holds at most ${FEATURES.length} values` })(
      target,
      key,
    );
    ArrayUnique({ message: 'features must not repeat a value' })(target, key);
    IsIn(FEATURES, {
      each: true,
      message: `each of features must be one of: ${FEATURES.join(', ')}`,
    })(target, key);
  };
}

export type { Feature, OverQuotaPolicy };
