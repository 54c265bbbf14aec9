import type { EventFilter } from '../query/analytics-query';

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
}

export const ANALYTICS_STORE = Symbol('AnalyticsStore');
