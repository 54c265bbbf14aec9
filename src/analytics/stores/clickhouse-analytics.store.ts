import type { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import {
  identifier,
  stringLiteral,
  uuidLiteral,
} from '../../ingestion/store/clickhouse/sql-literal';
import { recordRead } from '../cost/read-meter';
import type { EventFilter } from '../query/analytics-query';
import { planAround, type RollupPlan, type TimeRange, wholeDaysOf } from '../rollups/rollup-plan';
import type { Interval } from '../query/buckets';
import { type FunnelDefinition, usersPerStep } from '../query/funnel';
import type { RetentionCounts, RetentionEvents, RetentionInterval } from '../query/retention';
import type {
  AnalyticsStore,
  BreakdownRow,
  Dimension,
  Metric,
  SummaryCounts,
} from './analytics-store';
import { splitByCleanWeeks } from './clean-weeks';
import { clickhouseFunnelSql } from './clickhouse-funnel-sql';
import { clickhouseLimitError } from './store-limits';
import { currentQueryLimits } from '../fair/query-limits';
import { selectWithinRowsCap } from './clickhouse-rows-watch';
import { propertyMatchSql, propertyTextSql } from './clickhouse-property-sql';
import { clickhouseCohortSizesSql, clickhouseReturnsSql } from './clickhouse-retention-sql';

/**
 * Distinct users and sessions over their 64-bit hashes (schema step 7), 0 being the empty id:
 * integer sets instead of string sets, the same hashes PostgreSQL counts.
 */
const METRIC_SQL: Record<Metric, string> = {
  events: 'count()',
  users: 'uniqExactIf(user_hash, user_hash != 0)',
  sessions: 'uniqExactIf(session_hash, session_hash != 0)',
};

/** Bucket start in the tenant's timezone; each takes the zone as its second argument. */
function bucketSql(interval: Interval, zone: string): string {
  switch (interval) {
    case 'minute':
      return `toStartOfMinute(timestamp, ${zone})`;
    case 'hour':
      return `toStartOfHour(timestamp, ${zone})`;
    case 'day':
      return `toStartOfDay(timestamp, ${zone})`;
    case 'week':
      return `toDateTime(toMonday(timestamp, ${zone}), ${zone})`;
  }
}

/**
 * The WHERE clause of a filter for ClickHouse, tenant first. 18.16 has no query parameters, so
 * every value goes through sql-literal.ts (a checked UUID, whole-second epochs, quoted strings).
 * A property matches as a JSON string ("DE") or as a raw number or boolean (49, true).
 */
export function clickhouseWhere(
  filter: EventFilter,
  ranges: TimeRange[] = [{ from: filter.from, to: filter.to }],
): string {
  const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
  const clauses = [
    `tenant_id = ${uuidLiteral(filter.tenantId)}`,
    // Parenthesised as a whole: an OR must never escape the tenant predicate.
    ranges.length === 0
      ? '0'
      : `(${ranges
          .map((range) => {
            const [from, to] = [seconds(range.from), seconds(range.to)];
            // The same bounds on toDate(timestamp), the sorting key's second column, let the
            // primary index skip the tenant's other days (18.16 does not derive it itself):
            // half the rows read for 30 of 60 days. toDate is monotonic, so never narrower.
            return `(toDate(timestamp) >= toDate(toDateTime(${from})) AND toDate(timestamp) <= toDate(toDateTime(${to})) AND timestamp >= toDateTime(${from}) AND timestamp < toDateTime(${to}))`;
          })
          .join(' OR ')})`,
  ];
  if (filter.eventType !== undefined)
    clauses.push(`event_type = ${stringLiteral(filter.eventType)}`);
  for (const [key, value] of filter.properties) clauses.push(propertyMatchSql(key, value));
  return clauses.join(' AND ');
}

/**
 * Analytics on ClickHouse. Counts of events read with FINAL, which folds re-delivered rows so
 * each event counts once, except in weeks the compaction job merged into one part, which have no
 * repeats to fold (eventSources); distinct users and sessions read without it, since a
 * re-delivered row adds no new id to a set.
 *
 * Reads go to raw events by default. The daily rollup (`events_daily`, kept by a materialized
 * view) holds exact sets, events included as distinct ids so re-deliveries cannot inflate it;
 * on ClickHouse 18.16 merging those sets is slower than scanning the tenant's rows (measured on
 * the analytics bench's largest tenant: 30 days of event counts by type 0.22 s from the rollup,
 * 0.07 s raw; users and sessions over 60 days 0.24 s against 0.20 s). `{ rollups: true }` reads
 * whole UTC days from it, as CLICKHOUSE_ROLLUP_READS=true does.
 *
 * On a cluster the same SQL texts read the Distributed tables (events_dist, events_daily_dist),
 * each sent to the tenant's own shard as the initiator: its rows are read there, the other
 * shards find none in their primary index.
 */
export class ClickHouseAnalyticsStore implements AnalyticsStore {
  readonly kind = 'clickhouse' as const;
  private readonly table: string;
  private readonly rollupTable: string;

  constructor(
    private readonly store: ClickHouseEventStore,
    database: string,
    private readonly options: { rollups: boolean } = { rollups: false },
  ) {
    const suffix = store.clustered ? '_dist' : '';
    this.table = `${identifier(database)}.events${suffix}`;
    this.rollupTable = `${identifier(database)}.events_daily${suffix}`;
  }

  async summary(filter: EventFilter): Promise<SummaryCounts> {
    const plan = this.rollupPlan(filter);
    if (plan) return this.summaryWithRollups(filter, plan);
    // Two queries at once: the server runs them on both cores.
    const [events, sets] = await Promise.all([
      this.countEvents(filter),
      this.read<{ users: string; sessions: string }>(
        filter.tenantId,
        `SELECT ${METRIC_SQL.users} AS users, ${METRIC_SQL.sessions} AS sessions
           FROM ${this.table} WHERE ${clickhouseWhere(filter)}`,
      ),
    ]);
    return {
      events,
      users: Number(sets[0]?.users ?? 0),
      sessions: Number(sets[0]?.sessions ?? 0),
    };
  }

  async countEvents(filter: EventFilter): Promise<number> {
    const plan = this.rollupPlan(filter);
    if (plan) {
      const merged = await this.read<{ events: string }>(
        filter.tenantId,
        `SELECT uniqExactMerge(events) AS events FROM (${this.statesOf(filter, plan, false)})`,
      );
      return Number(merged[0]?.events ?? 0);
    }
    const sources = await this.eventSources(filter);
    const rows = await this.read<{ events: string }>(
      filter.tenantId,
      sources.length === 1
        ? `SELECT count() AS events FROM ${sources[0]}`
        : `SELECT sum(n) AS events FROM (${sources
            .map((source) => `SELECT count() AS n FROM ${source}`)
            .join(' UNION ALL ')})`,
    );
    return Number(rows[0]?.events ?? 0);
  }

  /**
   * Where a count of the filter's events reads, each event once: `FROM … WHERE …` texts to add
   * up. The compaction job's clean weeks (one merged part: no repeats) are read plainly, the rest
   * (the open week, and any a late event dirtied) with FINAL, which on 18.16 folds in one thread
   * and costs 3-10x a plain read (docs/scaling.md). Without a clean week this is the one FINAL
   * read over the whole range.
   */
  private async eventSources(filter: EventFilter): Promise<string[]> {
    const clean = await this.store.cleanWeeks(filter.tenantId, filter.from, filter.to);
    const split = splitByCleanWeeks(filter, clean);
    if (split.plain.length === 0) return [`${this.table} FINAL WHERE ${clickhouseWhere(filter)}`];
    const sources = [`${this.table} WHERE ${clickhouseWhere(filter, split.plain)}`];
    if (split.final.length > 0)
      sources.push(`${this.table} FINAL WHERE ${clickhouseWhere(filter, split.final)}`);
    return sources;
  }

  async timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>> {
    const bucket = `toUInt32(${bucketSql(interval, stringLiteral(timezone))}) * 1000 AS bucket`;
    const sources =
      metric === 'events'
        ? await this.eventSources(filter)
        : [`${this.table} WHERE ${clickhouseWhere(filter)}`];
    const rows = await this.read<{ bucket: string | number; value: string | number }>(
      filter.tenantId,
      sources.length === 1
        ? `SELECT ${bucket}, ${METRIC_SQL[metric]} AS value FROM ${sources[0]} GROUP BY bucket`
        : `SELECT bucket, sum(n) AS value FROM (${sources
            .map((source) => `SELECT ${bucket}, count() AS n FROM ${source} GROUP BY bucket`)
            .join(' UNION ALL ')}) GROUP BY bucket`,
    );
    return new Map(rows.map((row) => [Number(row.bucket), Number(row.value)]));
  }

  async breakdown(
    filter: EventFilter,
    dimension: Dimension,
    limit: number,
  ): Promise<BreakdownRow[]> {
    const plan = dimension.kind === 'event_type' ? this.rollupPlan(filter) : null;
    if (plan) return this.eventTypesWithRollups(filter, plan, limit);
    let expression: string;
    if (dimension.kind === 'property') {
      expression = propertyTextSql(dimension.key);
    } else {
      expression = dimension.kind;
    }
    const sources = await this.eventSources(filter);
    const top = `HAVING value NOT IN ('', '""') ORDER BY events DESC, value ASC LIMIT ${Math.floor(limit)}`;
    const rows = await this.read<{ value: string; events: string | number }>(
      filter.tenantId,
      sources.length === 1
        ? `SELECT ${expression} AS value, count() AS events FROM ${sources[0]} GROUP BY value ${top}`
        : `SELECT value, sum(n) AS events FROM (${sources
            .map(
              (source) =>
                `SELECT ${expression} AS value, count() AS n FROM ${source} GROUP BY value`,
            )
            .join(' UNION ALL ')}) GROUP BY value ${top}`,
    );
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  /** How a read splits between events_daily and raw events, or null to read raw events only. */
  private rollupPlan(filter: EventFilter): RollupPlan | null {
    const days = this.options.rollups ? wholeDaysOf(filter) : null;
    return days ? planAround(filter, days) : null;
  }

  /**
   * The distinct-set states of the plan's days and of its raw edges, as one UNION ALL. The
   * type column is named `type`: in ClickHouse a SELECT alias is visible in WHERE, so an alias
   * named event_type would shadow the column the filter compares.
   */
  private statesOf(filter: EventFilter, plan: RollupPlan, byType: boolean): string {
    const type =
      filter.eventType === undefined ? '' : ` AND event_type = ${stringLiteral(filter.eventType)}`;
    const parts = [
      `SELECT event_type AS type, events, users, sessions FROM ${this.rollupTable}
        WHERE tenant_id = ${uuidLiteral(filter.tenantId)}
          AND day >= toDate(${stringLiteral(plan.days[0])})
          AND day <= toDate(${stringLiteral(plan.days[plan.days.length - 1])})${type}`,
    ];
    if (plan.raw.length > 0) {
      parts.push(
        `SELECT ${byType ? 'event_type' : "''"} AS type, uniqExactState(event_id) AS events,
                uniqExactIfState(user_id, user_id != '') AS users,
                uniqExactIfState(session_id, session_id != '') AS sessions
           FROM ${this.table} WHERE ${clickhouseWhere(filter, plan.raw)}
          ${byType ? 'GROUP BY event_type' : ''}`,
      );
    }
    return parts.join(' UNION ALL ');
  }

  private async summaryWithRollups(filter: EventFilter, plan: RollupPlan): Promise<SummaryCounts> {
    const rows = await this.read<{ events: string; users: string; sessions: string }>(
      filter.tenantId,
      `SELECT uniqExactMerge(events) AS events, uniqExactIfMerge(users) AS users,
              uniqExactIfMerge(sessions) AS sessions
         FROM (${this.statesOf(filter, plan, false)})`,
    );
    return {
      events: Number(rows[0]?.events ?? 0),
      users: Number(rows[0]?.users ?? 0),
      sessions: Number(rows[0]?.sessions ?? 0),
    };
  }

  private async eventTypesWithRollups(
    filter: EventFilter,
    plan: RollupPlan,
    limit: number,
  ): Promise<BreakdownRow[]> {
    const rows = await this.read<{ value: string; events: string | number }>(
      filter.tenantId,
      `SELECT type AS value, uniqExactMerge(events) AS events
         FROM (${this.statesOf(filter, plan, true)})
        GROUP BY value HAVING value != ''
        ORDER BY events DESC, value ASC LIMIT ${Math.floor(limit)}`,
    );
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  async funnel(filter: EventFilter, funnel: FunnelDefinition): Promise<number[]> {
    const where = clickhouseWhere({ ...filter, eventType: undefined });
    const rows = await this.read<{ level: string | number; users: string | number }>(
      filter.tenantId,
      clickhouseFunnelSql(this.table, where, filter.from, funnel),
    );
    const levels = new Map(rows.map((row) => [Number(row.level), Number(row.users)]));
    return usersPerStep(funnel.steps.length, levels);
  }

  async retention(
    filter: EventFilter,
    events: RetentionEvents,
    interval: RetentionInterval,
    timezone: string,
  ): Promise<RetentionCounts> {
    const parts = {
      table: this.table,
      cohortWhere: clickhouseWhere({ ...filter, eventType: events.cohortEvent }),
      returnWhere: clickhouseWhere({ ...filter, eventType: events.returnEvent }),
      bucket: bucketSql(interval, stringLiteral(timezone)),
    };
    type Row = { cohort: string | number; returned?: string | number; users: string | number };
    // At once: the server runs them on both cores (the returns are the costlier half).
    const [sizes, returns] = await Promise.all([
      this.read<Row>(filter.tenantId, clickhouseCohortSizesSql(parts)),
      this.read<Row>(filter.tenantId, clickhouseReturnsSql(parts)),
    ]);
    return {
      cohorts: new Map(sizes.map((row) => [Number(row.cohort) * 1000, Number(row.users)])),
      returns: returns.map((row) => ({
        cohort: Number(row.cohort) * 1000,
        returned: Number(row.returned) * 1000,
        users: Number(row.users),
      })),
    };
  }

  /**
   * Whether this server can compute in `zone`: 18.16 loads zone files by their exact name (no
   * `utc`, no `europe/berlin`) and fails the whole query on one it cannot load. Throws when the
   * server cannot be asked.
   */
  async knowsTimezone(zone: string): Promise<boolean> {
    const literal = stringLiteral(zone);
    try {
      await this.store.select(
        `SELECT toUInt32(toStartOfDay(toDateTime(0), ${literal})) AS day,
                toUInt32(toDateTime(toMonday(toDateTime(0), ${literal}), ${literal})) AS week`,
      );
      return true;
    } catch (error) {
      if (error instanceof Error && /time ?zone/i.test(error.message)) return false;
      throw error;
    }
  }

  /**
   * Every query of this adapter goes through here, so the query cost log sees what it read, a
   * query stopped by one of the reader profile's limits answers as that limit, not as a 500,
   * and the tenant's rows per query are watched (clickhouse-rows-watch.ts).
   */
  private async read<T>(tenantId: string, sql: string): Promise<T[]> {
    try {
      const { rows, rowsRead, bytesRead } = await selectWithinRowsCap<T>(
        this.store,
        sql,
        currentQueryLimits()?.rowsPerQuery,
        tenantId,
      );
      recordRead(rowsRead, bytesRead);
      return rows;
    } catch (error) {
      throw clickhouseLimitError(error) ?? error;
    }
  }
}
