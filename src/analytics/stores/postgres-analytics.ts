import type { TenantContext } from '../../database/tenant-context';
import { isMetering, recordTransactionReads } from '../cost/read-meter';
import type { EventFilter } from '../query/analytics-query';
import type { Interval } from '../query/buckets';
import type {
  AnalyticsStore,
  BreakdownRow,
  Dimension,
  Metric,
  SummaryCounts,
} from './analytics-store';

const METRIC_SQL: Record<Metric, string> = {
  events: 'count(*)',
  users: "count(DISTINCT user_id) FILTER (WHERE user_id <> '')",
  sessions: "count(DISTINCT session_id) FILTER (WHERE session_id <> '')",
};

/**
 * Rows this transaction has read from the analytics tables so far (heap rows from sequential
 * and index scans; an index-only scan that never visits the heap reads none), and their bytes
 * estimated from each relation's average row size: its planner statistics, or before the first
 * ANALYZE its size over its live rows, or else a typical event row of 256 bytes.
 */
const TRANSACTION_READS_SQL = `
  SELECT coalesce(sum(s.seq_tup_read + coalesce(s.idx_tup_fetch, 0)), 0) AS rows_read,
         coalesce(round(sum((s.seq_tup_read + coalesce(s.idx_tup_fetch, 0)) * CASE
           WHEN c.reltuples > 0 THEN c.relpages * 8192.0 / c.reltuples
           WHEN t.n_live_tup > 0 THEN pg_relation_size(s.relid) / t.n_live_tup::numeric
           ELSE 256 END)), 0) AS bytes_read
    FROM pg_stat_xact_user_tables s
    JOIN pg_class c ON c.oid = s.relid
    JOIN pg_stat_user_tables t ON t.relid = s.relid
   WHERE s.relid IN (SELECT relid FROM pg_partition_tree('public.events'))`;

/** Builds the WHERE clause of a filter with numbered parameters; no value enters the SQL text. */
export function postgresWhere(filter: EventFilter): { sql: string; values: unknown[] } {
  const values: unknown[] = [filter.tenantId, filter.from.toISOString(), filter.to.toISOString()];
  const clauses = ['tenant_id = $1', '"timestamp" >= $2', '"timestamp" < $3'];
  if (filter.eventType !== undefined) {
    values.push(filter.eventType);
    clauses.push(`event_type = $${values.length}`);
  }
  for (const [key, value] of filter.properties) {
    values.push(key, value);
    clauses.push(`properties ->> $${values.length - 1} = $${values.length}`);
  }
  return { sql: clauses.join(' AND '), values };
}

/** Analytics on the embedded PostgreSQL store, each read in the tenant's RLS transaction. */
export class PostgresAnalytics implements AnalyticsStore {
  readonly kind = 'postgres' as const;

  constructor(private readonly tenantContext: TenantContext) {}

  async summary(filter: EventFilter): Promise<SummaryCounts> {
    const where = postgresWhere(filter);
    const rows = await this.read<{ events: string; users: string; sessions: string }>(
      filter,
      `SELECT count(*) AS events,
              count(DISTINCT user_id) FILTER (WHERE user_id <> '') AS users,
              count(DISTINCT session_id) FILTER (WHERE session_id <> '') AS sessions
         FROM events WHERE ${where.sql}`,
      where.values,
    );
    return {
      events: Number(rows[0].events),
      users: Number(rows[0].users),
      sessions: Number(rows[0].sessions),
    };
  }

  async timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>> {
    const where = postgresWhere(filter);
    const interval$ = where.values.length + 1;
    const zone$ = where.values.length + 2;
    // date_trunc on the local wall-clock time, then back to an instant: local buckets.
    const rows = await this.read<{ bucket: string; value: string }>(
      filter,
      `SELECT extract(epoch FROM (date_trunc($${interval$}, "timestamp" AT TIME ZONE $${zone$})
                                  AT TIME ZONE $${zone$})) * 1000 AS bucket,
              ${METRIC_SQL[metric]} AS value
         FROM events WHERE ${where.sql} GROUP BY 1`,
      [...where.values, interval, timezone],
    );
    return new Map(rows.map((row) => [Number(row.bucket), Number(row.value)]));
  }

  async breakdown(
    filter: EventFilter,
    dimension: Dimension,
    limit: number,
  ): Promise<BreakdownRow[]> {
    const where = postgresWhere(filter);
    const values = [...where.values];
    let expression: string;
    if (dimension.kind === 'property') {
      values.push(dimension.key);
      expression = `properties ->> $${values.length}`;
    } else {
      expression = dimension.kind;
    }
    values.push(limit);
    const rows = await this.read<{ value: string; events: string }>(
      filter,
      `SELECT ${expression} AS value, count(*) AS events
         FROM events WHERE ${where.sql} AND coalesce(${expression}, '') <> ''
        GROUP BY 1 ORDER BY 2 DESC, (${expression}) COLLATE "C" ASC LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  /**
   * One read in the tenant's RLS transaction (the request's, when one is open). Every query of
   * this adapter goes through here; the rows it reads are counted per transaction by the query
   * cost log (pg_stat_xact_user_tables).
   */
  private read<T>(filter: EventFilter, sql: string, values: unknown[]): Promise<T[]> {
    return this.tenantContext.runInTenant(filter.tenantId, async () => {
      const manager = this.tenantContext.manager;
      const rows: T[] = await manager.query(sql, values);
      if (isMetering()) {
        const [totals]: { rows_read: string; bytes_read: string }[] =
          await manager.query(TRANSACTION_READS_SQL);
        recordTransactionReads(manager, {
          rowsRead: Number(totals.rows_read),
          bytesRead: Number(totals.bytes_read),
        });
      }
      return rows;
    });
  }
}
