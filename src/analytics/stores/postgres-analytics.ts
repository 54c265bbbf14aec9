import type { TenantContext } from '../../database/tenant-context';
import type { EventFilter } from '../query/analytics-query';
import type { Interval } from '../query/buckets';
import type { FunnelDefinition } from '../query/funnel';
import type { RetentionCounts, RetentionEvents, RetentionInterval } from '../query/retention';
import type {
  AnalyticsStore,
  BreakdownRow,
  Dimension,
  Metric,
  SummaryCounts,
} from './analytics-store';
import { postgresWhere } from './postgres-filter';
import { postgresFunnelSql } from './postgres-funnel-sql';
import { postgresRetentionSql } from './postgres-retention-sql';

const METRIC_SQL: Record<Metric, string> = {
  events: 'count(*)',
  users: "count(DISTINCT user_id) FILTER (WHERE user_id <> '')",
  sessions: "count(DISTINCT session_id) FILTER (WHERE session_id <> '')",
};

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

  async funnel(filter: EventFilter, funnel: FunnelDefinition): Promise<number[]> {
    const query = postgresFunnelSql(filter, funnel);
    const rows = await this.read<Record<string, string>>(filter, query.sql, query.values);
    return funnel.steps.map((_, index) => Number(rows[0][`step${index + 1}`]));
  }

  async retention(
    filter: EventFilter,
    events: RetentionEvents,
    interval: RetentionInterval,
    timezone: string,
  ): Promise<RetentionCounts> {
    const query = postgresRetentionSql(filter, events, interval, timezone);
    const rows = await this.read<{ cohort: string; returned: string | null; users: string }>(
      filter,
      query.sql,
      query.values,
    );
    const counts: RetentionCounts = { cohorts: new Map(), returns: [] };
    for (const row of rows) {
      if (row.returned === null) counts.cohorts.set(Number(row.cohort), Number(row.users));
      else
        counts.returns.push({
          cohort: Number(row.cohort),
          returned: Number(row.returned),
          users: Number(row.users),
        });
    }
    return counts;
  }

  /**
   * One read in the tenant's RLS transaction (the request's, when one is open). Every query of
   * this adapter goes through here; the rows it reads are counted per transaction by the query
   * cost log (pg_stat_xact_user_tables).
   */
  private read<T>(filter: EventFilter, sql: string, values: unknown[]): Promise<T[]> {
    return this.tenantContext.runInTenant(filter.tenantId, () =>
      this.tenantContext.manager.query(sql, values),
    );
  }
}
