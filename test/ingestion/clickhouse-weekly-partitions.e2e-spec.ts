import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { clickhouseSchema } from '../../migrations/clickhouse/schema';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';

const DAY = 86_400_000;

/**
 * Issue 19, schema steps 10-17 on the real server: an events table partitioned by month, with
 * rows and rollups, becomes one partitioned by UTC week with nothing lost, the rollup's view
 * follows the new table, and a start-up that died after the rename (before recording it) goes on.
 */
describe('ClickHouse events move to weekly partitions', () => {
  const database = `${process.env.CLICKHOUSE_DATABASE!}_weekly_parts`;
  let admin: ClickHouseClient;

  const query = async <T>(sql: string): Promise<T[]> =>
    (await admin.query({ query: sql, format: 'JSONEachRow' })).json<T>();

  /** A database as a server left it before step 10: the earlier steps applied and recorded. */
  const databaseBeforeStep = async (lastVersion: number) => {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.command({ query: `CREATE DATABASE ${database}` });
    await admin.command({
      query: `CREATE TABLE ${database}.schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    });
    for (const step of clickhouseSchema(database).filter((s) => s.version <= lastVersion)) {
      await admin.command({ query: step.sql });
      await admin.command({
        query: `INSERT INTO ${database}.schema_migrations (version, applied_at) VALUES (${step.version}, now())`,
      });
    }
  };

  const rowsOver = (tenantId: string, count: number, days: number): EventRow[] => {
    const start = Math.floor(Date.now() / DAY) * DAY - days * DAY;
    return Array.from({ length: count }, (_, i) => ({
      tenantId,
      eventId: randomUUID(),
      eventType: i % 2 ? 'page_view' : 'signup',
      timestamp: new Date(start + Math.floor((i * days * DAY) / count / 1000) * 1000),
      userId: `u${i % 17}`,
      sessionId: `s${i % 5}`,
      properties: { country: i % 3 ? 'DE' : 'FR' },
      receivedAt: new Date(),
    }));
  };

  const counts = async () => {
    const [row] = await query<Record<string, string>>(
      `SELECT count() AS events, uniqExact(event_id) AS distinct_events,
              sum(prop_country = 'DE') AS de, uniqExact(user_hash) AS users
         FROM ${database}.events FINAL`,
    );
    const [rollup] = await query<{ events: string }>(
      `SELECT uniqExactMerge(events) AS events FROM ${database}.events_daily`,
    );
    return { ...row, rollup: rollup.events };
  };

  beforeAll(() => {
    admin = createClient({ url: process.env.CLICKHOUSE_URL! });
  });
  afterAll(async () => {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  });

  it('keeps every row and rollup, partitions by UTC week, and the view feeds the rollup after', async () => {
    await databaseBeforeStep(9);
    const tenant = randomUUID();
    const rows = rowsOver(tenant, 3000, 70);
    // Written by a store of the old layout: the monthly table as it was.
    await admin.insert({
      table: `${database}.events`,
      format: 'JSONEachRow',
      values: rows.map((r) => ({
        tenant_id: r.tenantId,
        event_id: r.eventId,
        timestamp: r.timestamp.toISOString().slice(0, 19).replace('T', ' '),
        event_type: r.eventType,
        user_id: r.userId,
        session_id: r.sessionId,
        properties: JSON.stringify(r.properties),
        received_at: r.receivedAt.toISOString().slice(0, 19).replace('T', ' '),
        stored_at: r.receivedAt.toISOString().slice(0, 19).replace('T', ' '),
      })),
    });
    const before = await counts();
    expect(before).toMatchObject({ events: '3000', rollup: '3000', de: '2000', users: '17' });
    const months = await query<{ id: string }>(
      `SELECT DISTINCT partition_id AS id FROM system.parts WHERE active AND database = '${database}' AND table = 'events'`,
    );
    expect(months.every(({ id }) => id.length === 6)).toBe(true);

    const store = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    try {
      await store.prepare();
      expect(await counts()).toEqual(before);
      const weeks = await query<{ id: string }>(
        `SELECT DISTINCT partition_id AS id FROM system.parts WHERE active AND database = '${database}' AND table = 'events' ORDER BY id`,
      );
      // 70 days of events: 11 or 12 weeks, each named by its Monday.
      expect(weeks.length).toBeGreaterThanOrEqual(11);
      expect(weeks.length).toBeLessThanOrEqual(12);
      for (const { id } of weeks) {
        const monday = new Date(`${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T00:00:00Z`);
        expect(monday.getUTCDay()).toBe(1);
      }
      const tables = await query<{ name: string }>(
        `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
      );
      expect(tables.map((t) => t.name)).toEqual([
        'events',
        'events_daily',
        'events_daily_mv',
        'schema_migrations',
      ]);
      // A new event reaches the rollup through the view made again on the new table.
      await store.write(rowsOver(tenant, 1, 1));
      expect(await counts()).toMatchObject({ events: '3001', rollup: '3001' });
    } finally {
      await store.close();
    }
  });

  it('goes on when the first rename took effect but was not recorded (a start-up that died there)', async () => {
    await databaseBeforeStep(11);
    const step12 = clickhouseSchema(database).find((s) => s.version === 12)!;
    expect(step12.sql).toMatch(/RENAME TABLE .*events TO .*events_by_month/);
    await admin.command({ query: step12.sql });
    const store = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    try {
      await store.prepare();
      const versions = await query<{ version: number }>(
        `SELECT version FROM ${database}.schema_migrations ORDER BY version`,
      );
      expect(versions.map((v) => Number(v.version))).toEqual(
        clickhouseSchema(database)
          .map((s) => s.version)
          .sort((a, b) => a - b),
      );
      await store.write(rowsOver(randomUUID(), 5, 2));
      expect(await counts()).toMatchObject({ events: '5', rollup: '5' });
    } finally {
      await store.close();
    }
  });

  it('a second app copy that reaches the steps after the first finished leaves the weekly table in place', async () => {
    await databaseBeforeStep(9);
    const first = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    try {
      await first.prepare();
      await first.write(rowsOver(randomUUID(), 40, 20));
    } finally {
      await first.close();
    }
    const before = await counts();
    // The second copy read the applied steps before the first recorded 10 onwards.
    await admin.command({ query: `DROP TABLE ${database}.schema_migrations` });
    await admin.command({
      query: `CREATE TABLE ${database}.schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    });
    for (const step of clickhouseSchema(database).filter((s) => s.version <= 9)) {
      await admin.command({
        query: `INSERT INTO ${database}.schema_migrations (version, applied_at) VALUES (${step.version}, now())`,
      });
    }
    const second = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    try {
      await second.prepare();
      expect(await counts()).toEqual(before);
      const tables = await query<{ name: string; partition_key: string }>(
        `SELECT name, partition_key FROM system.tables WHERE database = '${database}' ORDER BY name`,
      );
      expect(tables.map((t) => t.name)).toEqual([
        'events',
        'events_daily',
        'events_daily_mv',
        'schema_migrations',
      ]);
      expect(tables[0].partition_key).toMatch(/toMonday/);
      await second.write(rowsOver(randomUUID(), 3, 1));
      expect(Number((await counts()).rollup)).toBe(Number(before.rollup) + 3);
    } finally {
      await second.close();
    }
  });
});
