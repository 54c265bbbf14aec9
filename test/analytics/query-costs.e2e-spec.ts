import { createClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { estimateQueryCost } from '../../src/analytics/cost/query-cost-model';
import { anEvent } from '../support/ingestion';
import { asTenant, connectAs, sqlState } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const HOUR = 3_600_000;

interface CostRow {
  kind: string;
  route: string;
  store: string;
  duration_ms: number;
  rows_read: number;
  bytes_read: number;
  estimated_cost: number;
}

/** Every analytics query writes one cost row for its tenant; the operator sees them per tenant. */
describe.each([
  ['postgres', { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }],
  ['clickhouse', { KAFKA_BROKERS: '', EVENT_STORE: 'clickhouse' }],
])('query cost log on the %s store', (store, env) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env });
  });
  afterAll(() => t.close());

  async function tenantWithEvents(
    count: number,
  ): Promise<{ id: string; auth: { Authorization: string } }> {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const now = Date.now();
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: Array.from({ length: count }, (_, i) =>
          anEvent({ timestamp: new Date(now - (i + 1) * 60_000).toISOString() }),
        ),
      })
      .expect(202);
    return { id: tenant.id, auth };
  }

  async function costsOf(auth: {
    Authorization: string;
  }): Promise<{ data: CostRow[]; total: number; total_cost: number }> {
    return (await t.http.get('/v1/usage/queries').set(auth).expect(200)).body;
  }

  it('records tenant, route, store, duration, rows and bytes read and the estimated cost', async () => {
    const { auth } = await tenantWithEvents(40);
    const from = new Date(Date.now() - 2 * HOUR).toISOString();
    const summary = await t.http.get('/v1/analytics/summary').query({ from }).set(auth).expect(200);
    expect(summary.body.metrics.events.value).toBe(40);
    await t.http
      .get('/v1/analytics/breakdown')
      .query({ from, dimension: 'event_type' })
      .set(auth)
      .expect(200);

    const log = await costsOf(auth);
    expect(log.total).toBe(2);
    const [breakdown, first] = log.data;
    expect(first).toMatchObject({ kind: 'summary', route: '/v1/analytics/summary', store });
    expect(breakdown).toMatchObject({ kind: 'breakdown', route: '/v1/analytics/breakdown' });
    for (const row of log.data) {
      // At least this tenant's 40 rows were read to count them.
      expect(row.rows_read).toBeGreaterThanOrEqual(40);
      expect(row.bytes_read).toBeGreaterThan(0);
      expect(row.duration_ms).toBeGreaterThan(0);
      expect(row.estimated_cost).toBeCloseTo(
        estimateQueryCost(row.kind as 'summary', row.rows_read, row.duration_ms),
        6,
      );
    }
    expect(log.total_cost).toBeCloseTo(first.estimated_cost + breakdown.estimated_cost, 9);

    const summaries = await t.http
      .get('/v1/usage/queries')
      .query({ kind: 'summary' })
      .set(auth)
      .expect(200);
    expect(summaries.body.data.map((row: CostRow) => row.kind)).toEqual(['summary']);
  });

  it('records nothing for a refused query, and shows a tenant only its own queries', async () => {
    const { auth } = await tenantWithEvents(1);
    const other = await tenantWithEvents(1);
    await t.http.get('/v1/analytics/summary').query({ from: 'yesterday' }).set(auth).expect(400);
    expect((await costsOf(auth)).total).toBe(0);
    await t.http.get('/v1/analytics/summary').set(other.auth).expect(200);
    expect((await costsOf(auth)).total).toBe(0);
    expect((await costsOf(other.auth)).total).toBe(1);
  });

  it('ranks tenants by cost for the operator, over a period', async () => {
    const heavy = await tenantWithEvents(30);
    const light = await tenantWithEvents(1);
    const started = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 4; i++) {
      await t.http.get('/v1/analytics/summary').set(heavy.auth).expect(200);
    }
    await t.http.get('/v1/analytics/summary').set(light.auth).expect(200);

    const response = await t.http
      .get('/admin/cost-attribution')
      .query({ from: started, limit: 1000 })
      .set(adminAuth)
      .expect(200);
    const rows: { tenant_id: string; queries: number; estimated_cost: number }[] =
      response.body.data;
    const costs = rows.map((row) => row.estimated_cost);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    const heavyRow = rows.find((row) => row.tenant_id === heavy.id);
    const lightRow = rows.find((row) => row.tenant_id === light.id);
    expect(heavyRow?.queries).toBe(4);
    expect(lightRow?.queries).toBe(1);
    // Each tenant's line is the sum of its own log. Which of the two costs more is not fixed on
    // ClickHouse: rows read count whole 8,192-row granules, so a one-event tenant whose rows
    // share a granule with others can out-read four queries over a part of its own.
    expect(heavyRow!.estimated_cost).toBeCloseTo((await costsOf(heavy.auth)).total_cost, 9);
    expect(lightRow!.estimated_cost).toBeCloseTo((await costsOf(light.auth)).total_cost, 9);

    // A period before any query: nobody.
    const empty = await t.http
      .get('/admin/cost-attribution')
      .query({ from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' })
      .set(adminAuth)
      .expect(200);
    expect(empty.body.data).toEqual([]);
    await t.http.get('/admin/cost-attribution').set(heavy.auth).expect(403);
    await t.http
      .get('/admin/cost-attribution')
      .query({ from: 'last week' })
      .set(adminAuth)
      .expect(400);
  });
});

describe('query_costs isolation at the SQL level', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
  });
  afterAll(() => t.close());

  it("lets the app role neither read nor write another tenant's rows, nor change its own", async () => {
    const mine = await createTenant(t.http);
    const theirs = await createTenant(t.http);
    await t.http
      .get('/v1/analytics/summary')
      .set(bearer(tenantToken(theirs.id)))
      .expect(200);

    const app = await connectAs('app');
    try {
      await asTenant(app, mine.id, async () => {
        const seen = await app.query(
          'SELECT count(*)::int AS n FROM query_costs WHERE tenant_id = $1',
          [theirs.id],
        );
        expect(seen.rows[0].n).toBe(0);
        // 42501: the RLS WITH CHECK refuses a row for another tenant.
        expect(
          await sqlState(
            app,
            `INSERT INTO query_costs (tenant_id, kind, route, store, duration_ms, rows_read, bytes_read, cost)
             VALUES ($1, 'summary', '/x', 'postgres', 1, 1, 1, 0)`,
            [theirs.id],
          ),
        ).toBe('42501');
      });
      await asTenant(app, theirs.id, async () => {
        const own = await app.query('SELECT count(*)::int AS n FROM query_costs');
        expect(own.rows[0].n).toBe(1);
        // Append-only: no UPDATE or DELETE grant, even on its own rows.
        expect(await sqlState(app, 'UPDATE query_costs SET cost = 0')).toBe('42501');
        expect(await sqlState(app, 'DELETE FROM query_costs')).toBe('42501');
      });
    } finally {
      await app.end();
    }
  });
});

describe('ClickHouse reads only the asking tenant’s data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', EVENT_STORE: 'clickhouse' } });
  });
  afterAll(() => t.close());

  it("reads a small factor of the tenant's rows in the range, not the table's nor its other days", async () => {
    const big = await createTenant(t.http);
    const small = await createTenant(t.http);
    const clickhouse = createClient({ url: process.env.CLICKHOUSE_URL });
    const table = `${process.env.CLICKHOUSE_DATABASE}.events`;
    const noise = 400_000;
    const history = 400_000;
    try {
      // Another tenant's 400,000 events in the same days, written straight to the table.
      await clickhouse.command({
        query: `INSERT INTO ${table} (tenant_id, event_id, timestamp, event_type, user_id, session_id, properties, received_at)
          SELECT toUUID('${big.id}'), generateUUIDv4(), toDateTime(${Math.floor(Date.now() / 1000)} - number % 7200),
                 'page_view', concat('u', toString(number % 5000)), '', '{}', now()
            FROM system.numbers LIMIT ${noise}`,
      });
      // The asking tenant’s own history two days back (same monthly partition on most days): outside
      // the range, so the primary index skips it.
      await clickhouse.command({
        query: `INSERT INTO ${table} (tenant_id, event_id, timestamp, event_type, user_id, session_id, properties, received_at)
          SELECT toUUID('${small.id}'), generateUUIDv4(), toDateTime(${Math.floor(Date.now() / 1000) - 2 * 86_400} - number % 7200),
                 'page_view', concat('u', toString(number % 5000)), '', '{}', now()
            FROM system.numbers LIMIT ${history}`,
      });
      // One part per month, as background merges leave a table: no part's own time range can
      // skip the history then, only the sorting key's toDate(timestamp).
      await clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    } finally {
      await clickhouse.close();
    }
    const auth = bearer(tenantToken(small.id));
    const mine = 500;
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: Array.from({ length: mine }, (_, i) =>
          anEvent({
            event_id: randomUUID(),
            timestamp: new Date(Date.now() - i * 1000).toISOString(),
          }),
        ),
      })
      .expect(202);

    const from = new Date(Date.now() - 3 * HOUR).toISOString();
    const answer = await t.http.get('/v1/analytics/summary').query({ from }).set(auth).expect(200);
    expect(answer.body.metrics.events.value).toBe(mine);
    const [row] = (await t.http.get('/v1/usage/queries').set(auth).expect(200)).body
      .data as CostRow[];
    // Four reads (the count and the distinct sets, for this period and the previous one), each
    // at most two index granules (8,192 rows) around the tenant's rows of those days: under
    // 65,536, never the 400,000 rows of the other tenant nor the 400,000 of its own older days.
    expect(row.rows_read).toBeGreaterThanOrEqual(mine);
    expect(row.rows_read).toBeLessThan(4 * 2 * 8_192);

    const bigAnswer = await t.http
      .get('/v1/analytics/summary')
      .query({ from })
      .set(bearer(tenantToken(big.id)))
      .expect(200);
    expect(bigAnswer.body.metrics.events.value).toBe(noise);
    const [bigRow] = (
      await t.http
        .get('/v1/usage/queries')
        .set(bearer(tenantToken(big.id)))
        .expect(200)
    ).body.data as CostRow[];
    expect(bigRow.rows_read).toBeGreaterThanOrEqual(noise);
    console.log(
      `rows read: small tenant ${row.rows_read} (${mine} events), big ${bigRow.rows_read} (${noise})`,
    );
  });
});
