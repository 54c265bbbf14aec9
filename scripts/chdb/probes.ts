import { clickhouseWhere } from '../../src/analytics/stores/clickhouse-analytics.store';
import { clickhouseReturnsSql } from '../../src/analytics/stores/clickhouse-retention-sql';
import { identifier, uuidLiteral } from '../../src/ingestion/store/clickhouse/sql-literal';
import { FIXTURE_FROM, FIXTURE_TENANTS, FIXTURE_TO } from './fixture';

/**
 * Texts the adapter does NOT send today, run on both engines over the fixture as evidence for
 * what it would switch to on current ClickHouse (docs/scaling.md). On 18.16 each runs
 * as `user`: the reader where its readonly profile is the point, else the writer.
 */
export interface Probe {
  id: string;
  sql: string;
  params?: Record<string, string>;
  user: 'reader' | 'writer';
}

/** Settings the adapter would set on current ClickHouse, and those that explain a difference. */
export const PROBED_SETTINGS = [
  'cancel_http_readonly_queries_on_client_close',
  'enable_analyzer',
  'joined_subquery_requires_alias',
  'optimize_on_insert',
  'optimize_skip_unused_shards',
];

export function probes(database: string): Probe[] {
  const table = `${identifier(database)}.events`;
  const tenantId = FIXTURE_TENANTS[0];
  const tenant = uuidLiteral(tenantId);
  const range = { tenantId, from: FIXTURE_FROM, to: FIXTURE_TO, properties: [] };
  const bucket = `toStartOfDay(timestamp, 'Europe/Berlin')`;
  const cohort = `event_type = 'signup'`;
  return [
    {
      id: 'probe settings',
      sql: `SELECT name, value FROM system.settings
             WHERE name IN (${PROBED_SETTINGS.map((name) => `'${name}'`).join(', ')})
             ORDER BY name`,
      user: 'reader',
    },
    // Query parameters: the value travels beside the text, typed by the server.
    {
      id: 'probe parameters',
      sql: `SELECT count() AS events FROM ${table} FINAL
             WHERE tenant_id = {tenant:UUID} AND event_type = {type:String}`,
      params: { tenant: tenantId, type: 'page_view' },
      user: 'writer',
    },
    {
      id: 'probe parameters literal',
      sql: `SELECT count() AS events FROM ${table} FINAL
             WHERE tenant_id = ${tenant} AND event_type = 'page_view'`,
      user: 'writer',
    },
    // ILIKE against what 18.16 must write instead.
    {
      id: 'probe ilike',
      sql: `SELECT countIf(properties ILIKE '%"country":"de"%') AS hits FROM ${table} WHERE tenant_id = ${tenant}`,
      user: 'reader',
    },
    {
      id: 'probe lower like',
      sql: `SELECT countIf(lower(properties) LIKE '%"country":"de"%') AS hits FROM ${table} WHERE tenant_id = ${tenant}`,
      user: 'reader',
    },
    // Retention as today (a JOIN: the table read twice) and in one pass with window functions.
    {
      id: 'probe retention join',
      sql: clickhouseReturnsSql({
        table,
        cohortWhere: clickhouseWhere({ ...range, eventType: 'signup' }),
        returnWhere: clickhouseWhere({ ...range, eventType: 'page_view' }),
        bucket,
      }),
      user: 'reader',
    },
    {
      id: 'probe retention window',
      sql: `SELECT cohort, returned, count() AS users FROM (
              SELECT DISTINCT user_id, cohort, toUInt32(${bucket}) AS returned FROM (
                SELECT user_id, timestamp, event_type,
                       minIf(toUInt32(${bucket}), ${cohort}) OVER (PARTITION BY user_id) AS cohort,
                       countIf(${cohort}) OVER (PARTITION BY user_id) AS cohort_events
                  FROM ${table}
                 WHERE ${clickhouseWhere(range)} AND user_id != ''
                   AND event_type IN ('signup', 'page_view'))
               WHERE cohort_events > 0 AND event_type = 'page_view' AND returned >= cohort)
            GROUP BY cohort, returned`,
      user: 'reader',
    },
    // A per-query rows cap: what the rows watch (clickhouse-rows-watch.ts) does by polling.
    {
      id: 'probe rows cap',
      sql: `SELECT count() AS n FROM ${table} WHERE tenant_id = ${tenant} SETTINGS max_rows_to_read = 100`,
      user: 'reader',
    },
    // The cluster's sharding key (migrations/clickhouse/schema.ts) for every fixture tenant:
    // the same shard on both engines, and the one the app computes (shard-of.ts).
    {
      id: 'probe shard key',
      sql: `SELECT toString(tenant_id) AS tenant, halfMD5(toString(tenant_id)) % 2 AS shard_of_2,
                   halfMD5(toString(tenant_id)) % 3 AS shard_of_3
              FROM ${table} GROUP BY tenant ORDER BY tenant`,
      user: 'reader',
    },
    // Re-delivered rows before a merge: FINAL folds them on both; raw count() is per engine.
    {
      id: 'probe raw and final counts',
      sql: `SELECT (SELECT count() FROM ${table}) AS raw, (SELECT count() FROM ${table} FINAL) AS final`,
      user: 'writer',
    },
  ];
}
