import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { createTenant, createTestApp, TestApp } from '../support/test-app';

const RLS_OR_PRIVILEGE = '42501';

/** events and usage_daily at the SQL level, as the app role: one tenant never reaches another. */
describe('event tables: tenant isolation in PostgreSQL', () => {
  let t: TestApp;
  let app: Client;
  let owner: Client;
  let tenantA: string;
  let tenantB: string;
  let partition: string;

  const insertEvent = (tenantId: string, eventId = randomUUID()) =>
    sqlState(
      app,
      `INSERT INTO events (tenant_id, event_id, "timestamp", event_type) VALUES ($1, $2, now(), 'probe')`,
      [tenantId, eventId],
    );

  beforeAll(async () => {
    t = await createTestApp();
    app = await connectAs('app');
    owner = await connectAs('owner');
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    await owner.query('SELECT ensure_event_partitions(current_date - 1, current_date + 1)');
    partition = `events_${new Date().toISOString().slice(0, 7).replace('-', '_')}`;
    // Committed rows of B, so A has something to fail to see.
    await app.query('BEGIN');
    await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantB]);
    await app.query(
      `INSERT INTO events (tenant_id, event_id, "timestamp", event_type) VALUES ($1, $2, now(), 'b-only')`,
      [tenantB, randomUUID()],
    );
    await app.query(
      'INSERT INTO usage_daily (tenant_id, day, events_accepted) VALUES ($1, current_date, 7)',
      [tenantB],
    );
    await app.query('COMMIT');
  });
  afterAll(async () => {
    await app.end();
    await owner.end();
    await t.close();
  });

  it("A cannot read B's events or usage, even naming B", async () => {
    const seen = await asTenant(app, tenantA, async () => {
      const events = await app.query('SELECT count(*)::int AS n FROM events WHERE tenant_id = $1', [
        tenantB,
      ]);
      const usage = await app.query(
        'SELECT count(*)::int AS n FROM usage_daily WHERE tenant_id = $1',
        [tenantB],
      );
      return events.rows[0].n + usage.rows[0].n;
    });
    expect(seen).toBe(0);
    const own = await asTenant(
      app,
      tenantB,
      async () =>
        (await app.query("SELECT count(*)::int AS n FROM events WHERE event_type = 'b-only'"))
          .rows[0].n,
    );
    expect(own).toBe(1);
  });

  it('A cannot write an event or usage row for B', async () => {
    await asTenant(app, tenantA, async () => {
      expect(await insertEvent(tenantB)).toBe(RLS_OR_PRIVILEGE);
      expect(await insertEvent(tenantA)).toBe('ok');
      expect(
        await sqlState(
          app,
          'INSERT INTO usage_daily (tenant_id, day) VALUES ($1, current_date + 1)',
          [tenantB],
        ),
      ).toBe(RLS_OR_PRIVILEGE);
      const touched = await app.query(
        'UPDATE usage_daily SET events_accepted = 0 WHERE tenant_id = $1',
        [tenantB],
      );
      expect(touched.rowCount).toBe(0);
    });
  });

  it('lets the app role delete only its own tenant’s events (erasure, retention)', async () => {
    const countOf = (tenant: string) =>
      asTenant(app, tenant, async () => {
        const { rows } = await app.query('SELECT count(*)::int AS n FROM events');
        return rows[0].n as number;
      });
    const before = await countOf(tenantB);
    expect(before).toBeGreaterThan(0);
    await asTenant(app, tenantA, async () => {
      const removed = await app.query('DELETE FROM events WHERE tenant_id = $1', [tenantB]);
      expect(removed.rowCount).toBe(0);
      // Its own (one written here, rolled back with the rest) it may delete.
      expect(await insertEvent(tenantA)).toBe('ok');
      const everything = await app.query('DELETE FROM events');
      expect(everything.rowCount).toBe(1);
    });
    expect(await countOf(tenantB)).toBe(before);
  });

  it('gives the app role no way to change stored events, nor to reach a partition directly', async () => {
    await asTenant(app, tenantB, async () => {
      expect(await sqlState(app, "UPDATE events SET event_type = 'x'")).toBe(RLS_OR_PRIVILEGE);
      expect(await sqlState(app, `SELECT count(*) FROM ${partition}`)).toBe(RLS_OR_PRIVILEGE);
      expect(
        await sqlState(app, 'SELECT ensure_event_partitions(current_date, current_date + 4000)'),
      ).toBe('P0001');
    });
  });

  it('shows no event rows with no tenant set', async () => {
    const { rows } = await app.query('SELECT count(*)::int AS n FROM events');
    expect(rows[0].n).toBe(0);
  });
});
