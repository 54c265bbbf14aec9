import type { TenantContext } from '../../tenancy/scope/tenant.context';
import { isMetering, recordTransactionReads } from '../cost/read-meter';
import type { EventFilter } from '../query/analytics-query';
import { planAround, type RollupPlan, type TimeRange, wholeDaysOf } from '../rollups/rollup-plan';
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
import { postgresFunnelSql } from './postgres-funnel-sql';
import { postgresRetentionSql } from './postgres-retention-sql';
import { currentQueryLimits } from '../fair/query-limits';
import { postgresLimitError } from './store-limits';
import { promotedColumn } from './promoted-properties';

/**
 * Distinct users and sessions over their 64-bit hashes (migration 1763900000282), 0 being the
 * empty id: bigint sorts instead of string sorts, the same hashes ClickHouse counts.
 */
const METRIC_SQL: Record<Metric, string> = {
  events: 'count(*)',
  users: 'count(DISTINCT user_hash) FILTER (WHERE user_hash <> 0)',
  sessions: 'count(DISTINCT session_hash) FILTER (WHERE session_hash <> 0)',
};

/**
 * One property's value as text: a promoted key's column (the same `properties ->> key`, kept
 * at insert), else from the JSON with the key as parameter `values.length` after the push.
 */
function propertyText(key: string, values: unknown[]): string {
  const column = promotedColumn(key);
  if (column !== undefined) return column;
  values.push(key);
  return `properties ->> $${values.length}`;
}

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
   WHERE s.relid IN (SELECT relid FROM pg_partition_tree('public.events'))
      OR s.relid IN ('public.event_rollups_daily'::regclass, 'public.event_rollup_daily_users'::regclass,
                     'public.event_rollup_daily_sessions'::regclass,
                     'public.event_rollup_daily_all_users'::regclass,
                     'public.event_rollup_daily_all_sessions'::regclass)`;

/**
 * Settings for the analytics reads of one transaction (SET LOCAL, gone at its end). JIT off:
 * on these sub-second aggregates, compiling costs more than it saves (measured 15-185 ms per
 * query in the analytics bench). More work_mem: the distinct user and session sets of a large
 * tenant's month sort in memory instead of spilling to disk.
 */
const ANALYTICS_SETTINGS_SQL = `SELECT set_config('jit', 'off', true),
                                       set_config('work_mem', '64MB', true)`;

/**
 * The tenant's time per query as this transaction's statement_timeout (SET LOCAL), only ever
 * lowering the app role's own (pg_settings.setting is in milliseconds; 0 is none).
 */
const QUERY_TIMEOUT_SQL = `SELECT set_config('statement_timeout', $1::text, true)
                             FROM pg_settings
                            WHERE name = 'statement_timeout'
                              AND (setting::bigint = 0 OR setting::bigint > $1::bigint)`;

/** Zones whose days are the rollups' UTC days. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
const isUtc = (timezone: string) => UTC_ZONES.has(timezone);

/**
 * Transactions (by their entity manager) with their analytics settings applied or on the way:
 * parallel reads of one request wait for the same settings before they run.
 */
const tunedTransactions = new WeakMap<object, Promise<void>>();

/** Builds the WHERE clause of a filter with numbered parameters; no value enters the SQL text. */
export function postgresWhere(
  filter: EventFilter,
  ranges: TimeRange[] = [{ from: filter.from, to: filter.to }],
): { sql: string; values: unknown[] } {
  const values: unknown[] = [filter.tenantId];
  const spans = ranges.map((range) => {
    values.push(range.from.toISOString(), range.to.toISOString());
    return `("timestamp" >= $${values.length - 1} AND "timestamp" < $${values.length})`;
  });
  // Parenthesised as a whole: an OR must never escape the tenant predicate.
  const clauses = ['tenant_id = $1', spans.length === 0 ? 'false' : `(${spans.join(' OR ')})`];
  if (filter.eventType !== undefined) {
    values.push(filter.eventType);
    clauses.push(`event_type = $${values.length}`);
  }
  for (const [key, value] of filter.properties) {
    const text = propertyText(key, values);
    values.push(value);
    clauses.push(`${text} = $${values.length}`);
  }
  return { sql: clauses.join(' AND '), values };
}

/**
 * Analytics on the embedded PostgreSQL store, each read in the tenant's RLS transaction. Long
 * ranges read their whole UTC days from the daily rollup tables, except days written since
 * their last refresh, which are read raw with the range's edges.
 */
export class PostgresAnalyticsStore implements AnalyticsStore {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly options: { rollups: boolean } = { rollups: true },
  ) {}

  async summary(filter: EventFilter): Promise<SummaryCounts> {
    const plan = await this.rollupPlan(filter);
    if (plan) return this.summaryWithRollups(filter, plan);
    const where = postgresWhere(filter);
    const rows = await this.read<{ events: string; users: string; sessions: string }>(
      filter,
      `SELECT count(*) AS events, ${METRIC_SQL.users} AS users, ${METRIC_SQL.sessions} AS sessions
         FROM events WHERE ${where.sql}`,
      where.values,
    );
    return {
      events: Number(rows[0].events),
      users: Number(rows[0].users),
      sessions: Number(rows[0].sessions),
    };
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const plan = await this.rollupPlan(filter);
    if (plan) {
      const { rawWhere, values, rollup } = this.rollupParts(filter, plan);
      const rows = await this.read<{ events: string }>(
        filter,
        `SELECT (SELECT count(*) FROM events WHERE ${rawWhere})
                  + (SELECT coalesce(sum(events), 0) ${rollup('event_rollups_daily')}) AS events`,
        values,
      );
      return Number(rows[0].events);
    }
    const where = postgresWhere(filter);
    const rows = await this.read<{ events: string }>(
      filter,
      `SELECT count(*) AS events FROM events WHERE ${where.sql}`,
      where.values,
    );
    return Number(rows[0].events);
  }

  async timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>> {
    if (metric === 'events' && (interval === 'day' || interval === 'week') && isUtc(timezone)) {
      const plan = await this.rollupPlan(filter);
      if (plan) return this.eventsPerBucketWithRollups(filter, plan, interval);
    }
    const where = postgresWhere(filter);
    const interval$ = where.values.length + 1;
    const zone$ = where.values.length + 2;
    // date_trunc on the local wall-clock time, then back to an instant: local buckets. Grouped
    // by the local timestamp, converted per bucket: a numeric epoch per row cost 4x as much.
    const rows = await this.read<{ bucket: string; value: string }>(
      filter,
      `SELECT extract(epoch FROM local_bucket AT TIME ZONE $${zone$}) * 1000 AS bucket, value
         FROM (SELECT date_trunc($${interval$}, "timestamp" AT TIME ZONE $${zone$}) AS local_bucket,
                      ${METRIC_SQL[metric]} AS value
                 FROM events WHERE ${where.sql} GROUP BY 1) buckets`,
      [...where.values, interval, timezone],
    );
    return new Map(rows.map((row) => [Number(row.bucket), Number(row.value)]));
  }

  /** Events per UTC day or week: whole days from the rollup, the edges from raw events. */
  private async eventsPerBucketWithRollups(
    filter: EventFilter,
    plan: RollupPlan,
    interval: 'day' | 'week',
  ): Promise<Map<number, number>> {
    const { rawWhere, values, rollup } = this.rollupParts(filter, plan);
    values.push(interval);
    const interval$ = `$${values.length}`;
    const rows = await this.read<{ bucket: string; value: string }>(
      filter,
      `SELECT extract(epoch FROM local_bucket AT TIME ZONE 'UTC') * 1000 AS bucket,
              sum(value) AS value
         FROM (SELECT date_trunc(${interval$}, "timestamp" AT TIME ZONE 'UTC') AS local_bucket,
                      count(*) AS value
                 FROM events WHERE ${rawWhere} GROUP BY 1
               UNION ALL
               SELECT date_trunc(${interval$}, day::timestamp), sum(events)
                 ${rollup('event_rollups_daily')} GROUP BY 1) parts
        GROUP BY local_bucket`,
      values,
    );
    return new Map(rows.map((row) => [Number(row.bucket), Number(row.value)]));
  }

  async breakdown(
    filter: EventFilter,
    dimension: Dimension,
    limit: number,
  ): Promise<BreakdownRow[]> {
    const plan = dimension.kind === 'event_type' ? await this.rollupPlan(filter) : null;
    if (plan) return this.eventTypesWithRollups(filter, plan, limit);
    const where = postgresWhere(filter);
    const values = [...where.values];
    let expression: string;
    if (dimension.kind === 'property') {
      expression = propertyText(dimension.key, values);
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
   * The whole days of a long range whose rollup is current, or null to read raw. A day with no
   * event_rollup_days row never had an event; a stale one is read raw.
   */
  private async rollupPlan(filter: EventFilter): Promise<RollupPlan | null> {
    const days = this.options.rollups ? wholeDaysOf(filter) : null;
    if (!days) return null;
    const stale = await this.read<{ day: string }>(
      filter,
      `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM event_rollup_days
        WHERE tenant_id = $1 AND day >= $2::date AND day <= $3::date
          AND rolled_version IS DISTINCT FROM version`,
      [filter.tenantId, days[0], days[days.length - 1]],
    );
    const staleDays = new Set(stale.map((row) => row.day));
    const current = days.filter((day) => !staleDays.has(day));
    return current.length === 0 ? null : planAround(filter, current);
  }

  /** The raw rows of the plan's edges and stale days, and the rollup's days, as SQL pieces. */
  private rollupParts(filter: EventFilter, plan: RollupPlan) {
    const raw = postgresWhere(filter, plan.raw);
    const values = [...raw.values, plan.days];
    const days$ = `$${values.length}::date[]`;
    let type = '';
    if (filter.eventType !== undefined) {
      values.push(filter.eventType);
      type = ` AND event_type = $${values.length}`;
    }
    const rollup = (table: string) =>
      `FROM ${table} WHERE tenant_id = $1 AND day = ANY(${days$})${type}`;
    return { rawWhere: raw.sql, values, rollup };
  }

  private async summaryWithRollups(filter: EventFilter, plan: RollupPlan): Promise<SummaryCounts> {
    const { rawWhere, values, rollup } = this.rollupParts(filter, plan);
    // Without an event-type filter, the all-type sets: one row per user and day.
    const [users, sessions] =
      filter.eventType === undefined
        ? ['event_rollup_daily_all_users', 'event_rollup_daily_all_sessions']
        : ['event_rollup_daily_users', 'event_rollup_daily_sessions'];
    const rows = await this.read<{ events: string; users: string; sessions: string }>(
      filter,
      `WITH raw AS (SELECT user_id, session_id FROM events WHERE ${rawWhere})
       SELECT (SELECT count(*) FROM raw)
                + (SELECT coalesce(sum(events), 0) ${rollup('event_rollups_daily')}) AS events,
              (SELECT count(*) FROM (SELECT user_id FROM raw WHERE user_id <> ''
                                     UNION SELECT user_id ${rollup(users)}) u)
                AS users,
              (SELECT count(*) FROM (SELECT session_id FROM raw WHERE session_id <> ''
                                     UNION SELECT session_id ${rollup(sessions)}) s)
                AS sessions`,
      values,
    );
    return {
      events: Number(rows[0].events),
      users: Number(rows[0].users),
      sessions: Number(rows[0].sessions),
    };
  }

  private async eventTypesWithRollups(
    filter: EventFilter,
    plan: RollupPlan,
    limit: number,
  ): Promise<BreakdownRow[]> {
    const { rawWhere, values, rollup } = this.rollupParts(filter, plan);
    values.push(limit);
    const rows = await this.read<{ value: string; events: string }>(
      filter,
      `SELECT value, sum(events) AS events FROM (
         SELECT event_type AS value, count(*) AS events FROM events WHERE ${rawWhere} GROUP BY 1
         UNION ALL
         SELECT event_type, events ${rollup('event_rollups_daily')}
       ) parts
       WHERE value <> ''
       GROUP BY value ORDER BY 2 DESC, value COLLATE "C" ASC LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  async funnel(filter: EventFilter, funnel: FunnelDefinition): Promise<number[]> {
    const query = postgresFunnelSql(postgresWhere({ ...filter, eventType: undefined }), funnel);
    const rows = await this.read<Record<string, string>>(filter, query.sql, query.values);
    return funnel.steps.map((_, index) => Number(rows[0][`step${index + 1}`]));
  }

  async retention(
    filter: EventFilter,
    events: RetentionEvents,
    interval: RetentionInterval,
    timezone: string,
  ): Promise<RetentionCounts> {
    const where = postgresWhere({ ...filter, eventType: undefined });
    const query = postgresRetentionSql(where, events, interval, timezone);
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
    const limits = currentQueryLimits();
    return this.tenantContext.runInTenant(filter.tenantId, async () => {
      const manager = this.tenantContext.manager;
      let tuned = tunedTransactions.get(manager);
      if (!tuned) {
        tuned = (async () => {
          await manager.query(ANALYTICS_SETTINGS_SQL);
          // PostgreSQL has no cap on rows read per query: the time per query bounds its work.
          if (limits) await manager.query(QUERY_TIMEOUT_SQL, [limits.seconds * 1000]);
        })();
        tunedTransactions.set(manager, tuned);
      }
      await tuned;
      let rows: T[];
      try {
        rows = await manager.query(sql, values);
      } catch (error) {
        throw postgresLimitError(error, limits?.seconds) ?? error;
      }
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
