import type { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event-store';
import { identifier, stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import type { EventFilter } from '../query/analytics-query';
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
import { bucketSql, clickhouseWhere } from './clickhouse-filter';
import { clickhouseFunnelSql } from './clickhouse-funnel-sql';
import { clickhouseCohortSizesSql, clickhouseReturnsSql } from './clickhouse-retention-sql';

const METRIC_SQL: Record<Metric, string> = {
  events: 'count()',
  users: "uniqExactIf(user_id, user_id != '')",
  sessions: "uniqExactIf(session_id, session_id != '')",
};

/** Analytics on ClickHouse; FINAL folds re-delivered rows, so each event counts once. */
export class ClickHouseAnalytics implements AnalyticsStore {
  readonly kind = 'clickhouse' as const;
  private readonly table: string;

  constructor(
    private readonly store: ClickHouseEventStore,
    database: string,
  ) {
    this.table = `${identifier(database)}.events`;
  }

  async summary(filter: EventFilter): Promise<SummaryCounts> {
    const rows = await this.read<{ events: string; users: string; sessions: string }>(
      `SELECT count() AS events,
              uniqExactIf(user_id, user_id != '') AS users,
              uniqExactIf(session_id, session_id != '') AS sessions
         FROM ${this.table} FINAL WHERE ${clickhouseWhere(filter)}`,
    );
    return {
      events: Number(rows[0]?.events ?? 0),
      users: Number(rows[0]?.users ?? 0),
      sessions: Number(rows[0]?.sessions ?? 0),
    };
  }

  async timeseries(
    filter: EventFilter,
    metric: Metric,
    interval: Interval,
    timezone: string,
  ): Promise<Map<number, number>> {
    const rows = await this.read<{ bucket: string | number; value: string | number }>(
      `SELECT toUInt32(${bucketSql(interval, stringLiteral(timezone))}) * 1000 AS bucket,
              ${METRIC_SQL[metric]} AS value
         FROM ${this.table} FINAL WHERE ${clickhouseWhere(filter)}
        GROUP BY bucket`,
    );
    return new Map(rows.map((row) => [Number(row.bucket), Number(row.value)]));
  }

  async breakdown(
    filter: EventFilter,
    dimension: Dimension,
    limit: number,
  ): Promise<BreakdownRow[]> {
    let expression: string;
    if (dimension.kind === 'property') {
      const key = stringLiteral(dimension.key);
      // A string property unquoted; a number or boolean as written (49, true).
      expression = `if(visitParamExtractString(properties, ${key}) != '', visitParamExtractString(properties, ${key}), visitParamExtractRaw(properties, ${key}))`;
    } else {
      expression = dimension.kind;
    }
    const rows = await this.read<{ value: string; events: string | number }>(
      `SELECT ${expression} AS value, count() AS events
         FROM ${this.table} FINAL WHERE ${clickhouseWhere(filter)}
        GROUP BY value HAVING value NOT IN ('', '""')
        ORDER BY events DESC, value ASC LIMIT ${Math.floor(limit)}`,
    );
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  async funnel(filter: EventFilter, funnel: FunnelDefinition): Promise<number[]> {
    const rows = await this.read<{ level: string | number; users: string | number }>(
      clickhouseFunnelSql(this.table, filter, funnel),
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
    type Row = { cohort: string | number; returned?: string | number; users: string | number };
    const sizes = await this.read<Row>(
      clickhouseCohortSizesSql(this.table, filter, events, interval, timezone),
    );
    const returns = await this.read<Row>(
      clickhouseReturnsSql(this.table, filter, events, interval, timezone),
    );
    return {
      cohorts: new Map(sizes.map((row) => [Number(row.cohort) * 1000, Number(row.users)])),
      returns: returns.map((row) => ({
        cohort: Number(row.cohort) * 1000,
        returned: Number(row.returned) * 1000,
        users: Number(row.users),
      })),
    };
  }

  /** Every query of this adapter goes through here, so the query cost log sees what it read. */
  private read<T>(sql: string): Promise<T[]> {
    return this.store.select<T>(sql);
  }
}
