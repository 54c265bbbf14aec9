import { propertyJsonTextSql } from '../../src/analytics/stores/clickhouse-property-sql';
import { identifier, stringLiteral } from '../../src/ingestion/store/clickhouse/sql-literal';

/**
 * Step 7's columns (issue 19), computed by the server from each row as it is inserted, and on
 * read for parts written before the step until a merge writes them: the 64-bit hashes of the
 * user and session ids (0 for the empty id, else halfMD5: the first 8 bytes of the id's MD5,
 * big-endian, as PostgreSQL's columns of migration 1763900000282), and the promoted properties
 * (src/analytics/stores/promoted-properties.ts), each exactly the text the JSON reading gives.
 * Frozen: a key promoted later gets a step of its own.
 */
const STEP_7_COLUMNS: [name: string, type: string, expression: string][] = [
  ['user_hash', 'UInt64', "if(user_id = '', toUInt64(0), halfMD5(user_id))"],
  ['session_hash', 'UInt64', "if(session_id = '', toUInt64(0), halfMD5(session_id))"],
  ...(['country', 'device', 'browser', 'page_url'] as const).map(
    (key): [string, string, string] => [`prop_${key}`, 'String', propertyJsonTextSql(key)],
  ),
];

/**
 * ClickHouse schema steps, applied in order at start-up by the ClickHouse event store and
 * recorded in its `schema_migrations` table. Append new steps; never edit an applied one.
 * Written for the Debian 18.16 server and current releases alike: no LowCardinality, Map,
 * DateTime64, TTL, codecs or IF EXISTS on ALTER.
 *
 * `events` is ordered by tenant first (a tenant's reads touch its own ranges), partitioned by
 * UTC week (by month before step 10), and a ReplacingMergeTree on (tenant_id, day, event_id): a
 * re-delivered event folds into one row at merge time, and reads count with FINAL meanwhile,
 * except in a week merged into one part (analytics/compaction).
 */
export interface ClickHouseSchemaStep {
  version: number;
  sql: string;
  /**
   * For a step that cannot run twice (RENAME): a query answering one row whose `applied` is 1
   * when the step already took effect, so a start-up that died before recording it records it
   * now instead of failing on every start after.
   */
  appliedWhen?: string;
}

/** The daily rollup's materialized view on events (steps 3 and 16). */
function rollupViewSql(db: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.events_daily_mv TO ${db}.events_daily AS
      SELECT tenant_id, toDate(timestamp, 'UTC') AS day, event_type,
             uniqExactState(event_id) AS events,
             uniqExactIfState(user_id, user_id != '') AS users,
             uniqExactIfState(session_id, session_id != '') AS sessions
        FROM ${db}.events
       GROUP BY tenant_id, day, event_type`;
}

/** The rollup filled from events (all, or those `where` keeps): exact sets, so a refill is harmless. */
function rollupRefillSql(db: string, where?: string): string {
  const filter = where === undefined ? '' : `\n       WHERE ${where}`;
  return `INSERT INTO ${db}.events_daily
      SELECT tenant_id, toDate(timestamp, 'UTC') AS day, event_type,
             uniqExactState(event_id), uniqExactIfState(user_id, user_id != ''),
             uniqExactIfState(session_id, session_id != '')
        FROM ${db}.events${filter}
       GROUP BY tenant_id, day, event_type`;
}

/** events' own columns, in order (the MATERIALIZED ones are computed, never inserted). */
const EVENT_COLUMNS =
  'tenant_id, event_id, timestamp, event_type, user_id, session_id, properties, received_at, stored_at';

/** How far the app's clock (stored_at) may trail the server's (applied_at) for steps 13 and 16. */
const CLOCK_MARGIN_SECONDS = 3600;

/**
 * Steps 10 to 19 (issue 19): events partitioned by UTC week (from Monday) instead of by month, so
 * a closed week can be merged into one part (the compaction job) and then read without FINAL.
 * Weeks, not days: 18.16 estimates a read's rows as whole granules (8,192 rows) per part before
 * it starts and refuses past max_rows_to_read, so daily parts put a year-long read of even the
 * smallest tenant at 3M rows (weeks: 430,000); and a few dozen partitions a year is what
 * ClickHouse advises for a table this size.
 *
 * 18.16 has no EXCHANGE TABLES and cannot change a partition key in place: copy into a new
 * table, rename it in, copy again what arrived during the first copy (a repeat folds, as any
 * re-delivery), point the rollup's view at the new table and refill the rollup for the rows it
 * may have missed meanwhile (exact sets: refilling twice changes nothing), drop the old table.
 * Each step that must not run twice says how to see it took effect (appliedWhen) from the
 * tables themselves, so a start-up that died between a step and its record, or a second app
 * copy migrating at the same time, never renames the weekly table away or copies from a table
 * already gone.
 */
function weeklyPartitionSteps(db: string): ClickHouseSchemaStep[] {
  const appliedAt = (version: number) =>
    `(SELECT greatest(max(applied_at), toDateTime(${CLOCK_MARGIN_SECONDS})) - ${CLOCK_MARGIN_SECONDS}
        FROM ${db}.schema_migrations WHERE version = ${version})`;
  const tables = `FROM system.tables WHERE database = ${stringLiteral(db)}`;
  const weekly = `countIf(name = 'events' AND partition_key LIKE '%toMonday%')`;
  const byMonth = `countIf(name = 'events_by_month')`;
  return [
    {
      version: 10,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events_by_week (
        tenant_id UUID,
        event_id UUID,
        timestamp DateTime,
        event_type String,
        user_id String,
        session_id String,
        properties String,
        received_at DateTime,
        stored_at DateTime DEFAULT now(),
        ${STEP_7_COLUMNS.map(([name, type, expression]) => `${name} ${type} MATERIALIZED ${expression}`).join(',\n        ')}
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toMonday(timestamp, 'UTC')
      ORDER BY (tenant_id, toDate(timestamp), event_id)`,
      appliedWhen: `SELECT ${weekly} AS applied ${tables}`,
    },
    {
      version: 11,
      sql: `INSERT INTO ${db}.events_by_week (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM ${db}.events`,
      appliedWhen: `SELECT ${weekly} AS applied ${tables}`,
    },
    // Two renames, each checked on its own: between them inserts fail for a moment and retry.
    {
      version: 12,
      sql: `RENAME TABLE ${db}.events TO ${db}.events_by_month`,
      appliedWhen: `SELECT ${weekly} + ${byMonth} AS applied ${tables}`,
    },
    {
      version: 13,
      sql: `RENAME TABLE ${db}.events_by_week TO ${db}.events`,
      appliedWhen: `SELECT ${weekly} AS applied ${tables}`,
    },
    {
      version: 14,
      sql: `INSERT INTO ${db}.events (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM ${db}.events_by_month
      WHERE stored_at >= ${appliedAt(10)}`,
      appliedWhen: `SELECT ${byMonth} = 0 AS applied ${tables}`,
    },
    // 18.16 ties a view to its source's name, current servers to the table itself (which the
    // rename moved to events_by_month): made again, it follows events on both.
    { version: 15, sql: `DROP TABLE IF EXISTS ${db}.events_daily_mv` },
    {
      version: 16,
      sql: rollupViewSql(db),
    },
    {
      version: 17,
      sql: rollupRefillSql(db, `stored_at >= ${appliedAt(11)}`),
    },
    // Refused by a server whose table is over max_table_size_to_drop (50 GB by default): README,
    // "Weekly partitions", says what to set before the upgrade.
    { version: 18, sql: `DROP TABLE IF EXISTS ${db}.events_by_month` },
    // A copy made by a second app copy that started migrating while this one did.
    { version: 19, sql: `DROP TABLE IF EXISTS ${db}.events_by_week` },
  ];
}

/**
 * The steps for a database on one server. With `cluster` (CLICKHOUSE_CLUSTER), run on every
 * server of it: each gets the local tables, and the Distributed tables over them that reads go
 * through. No ON CLUSTER (on 18.16 it needs ZooKeeper): the store applies them node by node,
 * and each node's schema_migrations records its own. Without a cluster the cluster steps are
 * left out, and not recorded, so a server that later joins a cluster gets them then.
 */
export function clickhouseSchema(database: string, cluster?: string): ClickHouseSchemaStep[] {
  const db = identifier(database);
  const steps: ClickHouseSchemaStep[] = [
    {
      version: 1,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events (
        tenant_id UUID,
        event_id UUID,
        timestamp DateTime,
        event_type String,
        user_id String,
        session_id String,
        properties String,
        received_at DateTime,
        stored_at DateTime DEFAULT now()
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (tenant_id, toDate(timestamp), event_id)`,
    },
    // Daily rollups (UTC days), kept by a materialized view on every insert into events. Exact
    // sets, so they merge over any days: events as distinct event ids (a re-delivered event is
    // counted once, as FINAL does), users and sessions as distinct non-empty ids.
    {
      version: 2,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events_daily (
        tenant_id UUID,
        day Date,
        event_type String,
        events AggregateFunction(uniqExact, UUID),
        users AggregateFunction(uniqExactIf, String, UInt8),
        sessions AggregateFunction(uniqExactIf, String, UInt8)
      ) ENGINE = AggregatingMergeTree()
      PARTITION BY toYYYYMM(day)
      ORDER BY (tenant_id, day, event_type)`,
    },
    {
      version: 3,
      sql: rollupViewSql(db),
    },
    // Events stored before the view existed. Rows the view also saw merge away: sets, not sums.
    {
      version: 4,
      sql: rollupRefillSql(db),
    },
    {
      version: 7,
      sql: `ALTER TABLE ${db}.events ${STEP_7_COLUMNS.map(
        ([name, type, expression]) => `ADD COLUMN ${name} ${type} MATERIALIZED ${expression}`,
      ).join(', ')}`,
    },
    ...weeklyPartitionSteps(db),
  ];
  if (cluster === undefined) return steps;
  // A tenant's rows live on the shard of halfMD5(toString(tenant_id)) % shards: the app inserts
  // straight into that shard's local table (ingestion/store/clickhouse/shard-of.ts computes the
  // same), and reads go through these, which ask every shard. FINAL here is applied per shard,
  // right because every copy of a tenant's event is on the tenant's one shard.
  const name = identifier(cluster);
  steps.push(
    {
      version: 5,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events_dist AS ${db}.events
      ENGINE = Distributed(${name}, ${db}, events, halfMD5(toString(tenant_id)))`,
    },
    {
      version: 6,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events_daily_dist AS ${db}.events_daily
      ENGINE = Distributed(${name}, ${db}, events_daily, halfMD5(toString(tenant_id)))`,
    },
    // Step 7's columns, readable through the Distributed table: it is made again from the local
    // table (it holds no rows; ALTER has no IF NOT EXISTS, and a cluster set up after step 7
    // got them from step 5 already).
    { version: 8, sql: `DROP TABLE IF EXISTS ${db}.events_dist` },
    {
      version: 9,
      sql: `CREATE TABLE IF NOT EXISTS ${db}.events_dist AS ${db}.events
      ENGINE = Distributed(${name}, ${db}, events, halfMD5(toString(tenant_id)))`,
    },
  );
  return steps;
}
