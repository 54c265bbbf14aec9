import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Controller, Get } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Public } from '../../src/tenancy/scope/access-policy';
import type { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { EVENT_STORE } from '../../src/ingestion/store/event-store';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** A marker in the SQL of the slow read, so the test can find it in system.processes. */
const SLOW_MARKER = `slow-${randomUUID()}`;

/** A test-only route running a read of several seconds (about 30 blocks of 0.2 s) on the store. */
@Controller('test-slow-read')
class SlowReadController {
  constructor(private readonly modules: ModuleRef) {}

  @Get()
  @Public()
  async run(): Promise<unknown> {
    const store = this.modules.get<ClickHouseEventStore>(EVENT_STORE, { strict: false });
    const { rows } = await store.selectWithStatistics(
      `SELECT count() AS n, '${SLOW_MARKER}' AS marker
         FROM (SELECT sleep(0.2) FROM system.numbers LIMIT 1900000)`,
    );
    return rows;
  }
}

/**
 * Issue 11, finding 8 (ClickHouse): analytics reads run as a read-only user whose profile
 * bounds time, memory and rows read per query; a query past a bound is a clear answer, not a
 * 500; and a read is cancelled on the server when the client gives up.
 */
describe('ClickHouse guard rails', () => {
  let t: TestApp;
  let admin: ClickHouseClient;
  const database = process.env.CLICKHOUSE_DATABASE!;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' }, controllers: [SlowReadController] });
    admin = createClient({
      url: process.env.CLICKHOUSE_URL,
      log: { level: ClickHouseLogLevel.OFF },
    });
  });
  afterAll(async () => {
    await admin.close();
    await t.close();
  });

  async function scalar<T>(query: string, client = admin): Promise<T> {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return Object.values((await result.json<Record<string, T>>())[0])[0];
  }

  it('gives the reader user no writes and a profile with time, memory and rows-read limits', async () => {
    const reader = createClient({
      url: process.env.CLICKHOUSE_URL,
      username: process.env.CLICKHOUSE_READER_USER,
      password: process.env.CLICKHOUSE_READER_PASSWORD,
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      await expect(
        reader.command({
          query: `INSERT INTO ${database}.events (tenant_id, event_id) VALUES (generateUUIDv4(), generateUUIDv4())`,
        }),
      ).rejects.toThrow(/readonly/i);
      await expect(reader.command({ query: `DROP TABLE ${database}.events` })).rejects.toThrow(
        /readonly/i,
      );
      const settings = await reader.query({
        query: `SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_memory_usage', 'max_rows_to_read')`,
        format: 'JSONEachRow',
      });
      const values = Object.fromEntries(
        (await settings.json<{ name: string; value: string }>()).map((s) => [
          s.name,
          Number(s.value),
        ]),
      );
      expect(values.readonly).toBe(1);
      for (const limit of ['max_execution_time', 'max_memory_usage', 'max_rows_to_read']) {
        expect({ limit, set: values[limit] > 0 }).toEqual({ limit, set: true });
      }
    } finally {
      await reader.close();
    }
  });

  it('answers a read past max_rows_to_read with a 422 naming the limit, not a 500', async () => {
    const reader = createClient({
      url: process.env.CLICKHOUSE_URL,
      username: process.env.CLICKHOUSE_READER_USER,
      password: process.env.CLICKHOUSE_READER_PASSWORD,
      log: { level: ClickHouseLogLevel.OFF },
    });
    const limit = Number(
      await scalar<string>(
        `SELECT value FROM system.settings WHERE name = 'max_rows_to_read'`,
        reader,
      ),
    );
    await reader.close();
    expect(limit).toBeLessThanOrEqual(5_000_000); // the stack's dev profile; larger would take long to load
    const tenant = await createTenant(t.http);
    // More rows than the limit, all in the last day, written server-side as the default user.
    await admin.command({
      query: `INSERT INTO ${database}.events
              SELECT toUUID('${tenant.id}'), generateUUIDv4(), toDateTime(now() - 60 - number % 80000),
                     'page_view', '', '', '{}', now(), now()
                FROM system.numbers LIMIT ${limit + 100_000}`,
    });
    const now = Date.now();
    const response = await t.http
      .get('/v1/analytics/summary')
      .query({ from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() })
      .set(bearer(tenantToken(tenant.id)));
    expect(response.status).toBe(422);
    expect(response.body.message).toMatch(/rows/i);
    expect(response.body.limit).toBe('max_rows_to_read');
  });

  it("runs the store's reads as the reader user, and cancels one on the server when the client closes the request", async () => {
    const url = new URL(`${t.url}/test-slow-read`);
    const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname });
    request.on('error', () => undefined);
    request.end();
    const running = () =>
      scalar<string>(
        `SELECT count() FROM system.processes WHERE query LIKE '%${SLOW_MARKER}%' AND query NOT LIKE '%system.processes%'`,
      ).then(Number);
    const started = Date.now();
    while ((await running()) === 0) {
      if (Date.now() - started > 5000) throw new Error('the slow read never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const users = await admin.query({
      query: `SELECT DISTINCT user FROM system.processes WHERE query LIKE '%${SLOW_MARKER}%' AND query NOT LIKE '%system.processes%'`,
      format: 'JSONEachRow',
    });
    expect((await users.json<{ user: string }>()).map((row) => row.user)).toEqual([
      process.env.CLICKHOUSE_READER_USER,
    ]);
    request.destroy();
    const closed = Date.now();
    while ((await running()) > 0) {
      // Left alone it runs about six seconds; cancelled, it stops at its next block (0.2 s),
      // given 3 s on a server the other test lanes share.
      if (Date.now() - closed > 3000)
        throw new Error('the read kept running after the client left');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
