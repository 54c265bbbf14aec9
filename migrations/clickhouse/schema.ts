import { identifier } from '../../src/ingestion/store/clickhouse/sql-literal';

/**
 * ClickHouse schema steps, applied in order at start-up by the ClickHouse event store and
 * recorded in its `schema_migrations` table. Append new steps; never edit an applied one.
 * Written for the Debian 18.16 server and current releases alike: no LowCardinality, Map,
 * DateTime64, TTL, codecs or IF EXISTS on ALTER.
 *
 * `events` is ordered by tenant first (a tenant's reads touch its own ranges), partitioned by
 * month, and a ReplacingMergeTree on (tenant_id, day, event_id): a re-delivered event folds into
 * one row at merge time, and reads count with FINAL (or uniqExact(event_id)) meanwhile.
 */
export function clickhouseSchema(database: string): { version: number; sql: string }[] {
  const db = identifier(database);
  return [
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
  ];
}
