import type { EventFilter } from '../query/analytics-query';
import type { Interval } from '../query/buckets';
import type { FunnelDefinition } from '../query/funnel';
import type { RetentionCounts, RetentionEvents, RetentionInterval } from '../query/retention';

export const METRICS = ['events', 'users', 'sessions'] as const;
export type Metric = (typeof METRICS)[number];

export interface SummaryCounts {
  events: number;
  users: number;
  sessions: number;
}

/**
 * The analytics reads, one implementation per event store. Both must return the same numbers
 * for the same events (a parity suite runs every read against both). Every read is bounded by
 * the filter's tenant: PostgreSQL through RLS and the predicate, ClickHouse through the
 * predicate alone.
 */
export interface AnalyticsStore {
  readonly kind: 'clickhouse' | 'postgres';
  summary(filter: EventFilter): Promise<SummaryCounts>;
  /** The events of the filter alone: the summary's first number, without the distinct sets. */
  countEvents(filter: EventFilter): Promise<number>;
  /** Top values by event count, ties by value (byte order); empty values left out. */
  breakdown(filter: EventFilter, dimension: Dimension, limit: number): Promise<BreakdownRow[]>;
  /** Non-empty buckets only: bucket start (epoch ms, in `timezone`) → value. */
  timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>>;
  /** Users reaching each step, in step order (semantics: query/funnel.ts). */
  funnel(filter: EventFilter, funnel: FunnelDefinition): Promise<number[]>;
  /** Cohort sizes and returning users per bucket pair (semantics: query/retention.ts). */
  retention(
    filter: EventFilter,
    events: RetentionEvents,
    interval: RetentionInterval,
    timezone: string,
  ): Promise<RetentionCounts>;
}

/** What a breakdown groups by: the event type, the user, or one property's value. */
export type Dimension =
  { kind: 'event_type' } | { kind: 'user_id' } | { kind: 'property'; key: string };

export interface BreakdownRow {
  value: string;
  events: number;
}

export const ANALYTICS_STORE = Symbol('AnalyticsStore');
