import type { Client } from 'pg';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { stringLiteral, uuidLiteral } from '../../src/ingestion/store/clickhouse/sql-literal';
import { type BothStores, eventRow, openBothStores } from '../support/analytics-stores';
import { asTenant, connectAs } from '../support/sql';
import { createTenant, createTestApp, type TestApp } from '../support/test-app';

/** Ids whose bytes differ in the ways that matter to a hash: empty, non-ASCII, long, near-equal. */
const IDS = [
  '',
  'u',
  'U',
  'user-1',
  'user-1 ',
  'ünïcödé',
  '日本語',
  '😀',
  'x'.repeat(256),
  'a"b\\c',
];

/**
 * Issue 19: distinct users and sessions are counted over 64-bit hashes both stores compute at
 * insert. They must be the same function, so both count the same distinct hashes: the same bits
 * for every id (PostgreSQL's bigint is ClickHouse's UInt64 read signed), and 0 for the empty id
 * alone, which neither counts.
 */
describe('id hashes: PostgreSQL and ClickHouse hash every id to the same 64 bits', () => {
  let t: TestApp;
  let both: BothStores;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = (await createTenant(t.http)).id;
    both = await openBothStores(t);
    await both.write(
      IDS.map((id, index) => ({
        ...eventRow(tenantId, 'page_view', new Date(Date.now() - index * 1000), id),
        sessionId: id,
      })),
    );
  });
  afterAll(async () => {
    await both.close();
    await t.close();
  });

  it('gives each id the same hash in both stores, 0 only to the empty id', async () => {
    const app: Client = await connectAs('app');
    let fromPostgres: Map<string, string>;
    try {
      fromPostgres = await asTenant(app, tenantId, async () => {
        const { rows } = await app.query<{ user_id: string; user_hash: string; same: boolean }>(
          `SELECT user_id, (user_hash::numeric + CASE WHEN user_hash < 0 THEN 18446744073709551616 ELSE 0 END)::text AS user_hash,
                  user_hash = session_hash AS same
             FROM events WHERE tenant_id = $1`,
          [tenantId],
        );
        expect(rows.every((row) => row.same)).toBe(true);
        return new Map(rows.map((row) => [row.user_id, row.user_hash]));
      });
    } finally {
      await app.end();
    }
    const clickhouse = new ClickHouseEventStore(
      process.env.CLICKHOUSE_URL!,
      process.env.CLICKHOUSE_DATABASE!,
    );
    let fromClickHouse: Map<string, string>;
    try {
      // Not aliased user_hash: a ClickHouse alias is visible in the rest of the SELECT.
      const rows = await clickhouse.select<{ user_id: string; hash: string; same: number }>(
        `SELECT user_id, toString(user_hash) AS hash, user_hash = session_hash AS same
           FROM ${process.env.CLICKHOUSE_DATABASE}.events
          WHERE tenant_id = ${uuidLiteral(tenantId)} AND user_id IN (${IDS.map(stringLiteral).join(', ')})`,
      );
      expect(rows.every((row) => Number(row.same) === 1)).toBe(true);
      fromClickHouse = new Map(rows.map((row) => [row.user_id, row.hash]));
    } finally {
      await clickhouse.close();
    }
    expect(fromPostgres.size).toBe(IDS.length);
    expect(Object.fromEntries(fromClickHouse)).toEqual(Object.fromEntries(fromPostgres));
    expect(fromPostgres.get('')).toBe('0');
    const nonZero = IDS.filter((id) => id !== '').map((id) => fromPostgres.get(id));
    expect(nonZero).not.toContain('0');
    expect(new Set(nonZero).size).toBe(IDS.length - 1);
  });

  it('counts the same users and sessions in both stores, the empty id left out', async () => {
    const filter = {
      tenantId,
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 1000),
      properties: [],
    };
    for (const store of both.stores) {
      expect({ store: store.kind, counts: await store.summary(filter) }).toEqual({
        store: store.kind,
        counts: { events: IDS.length, users: IDS.length - 1, sessions: IDS.length - 1 },
      });
    }
  });
});
