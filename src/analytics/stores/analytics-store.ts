import type { EventFilter } from '../query/analytics-query';
import type { Interval } from '../query/buckets';

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
  /** Non-empty buckets only: bucket start (epoch ms, in `timezone`) → value. */
  timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>>;
}

export const ANALYTICS_STORE = Symbol('AnalyticsStore');
