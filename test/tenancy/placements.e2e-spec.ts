import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { PlacementReconcilerService } from '../../src/tenancy/placements/placement-reconciler.service';
import {
  PlacementDirectory,
  PlacementPools,
  PlacementUnavailableError,
} from '../../src/database/placements/placement';
import { PlacementPoolsRegistry } from '../../src/database/placements/placement-pools.registry';
import type { PlacementResponse } from '../../src/tenancy/placements/placement.response';
import { requireSilo, SILO_PLACEMENT } from '../support/placements';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
  uniqueSlug,
} from '../support/test-app';

/**
 * Issue 18, placements: one tenant pooled (the control database), one siloed (placement silo-1,
 * a database of its own on the silo cluster). Each tenant's rows are in its own database only;
 * neither reaches the other's; placement requests are refused with the field or feature named;
 * a misconfigured placement answers 503 to its tenants while every other tenant is served.
 */
describe('placements: pooled and siloed tenants', () => {
  let app: TestApp;
  let control: Client;
  let silo: Client;
  let pooled: { id: string; slug: string };
  let siloed: { id: string; slug: string };
  /** When both tenants were created: other suites share the databases and create tenants too. */
  let creations: { from: string; to: string };

  beforeAll(async () => {
    requireSilo();
    app = await createTestApp();
    control = await connectAs('owner', 'control');
    silo = await connectAs('owner', 'silo-1');
    const from = new Date(Date.now() - 1_000).toISOString();
    pooled = await createTenant(app.http, { tier: 'enterprise' });
    siloed = await createTenant(app.http, { tier: 'enterprise', placement: SILO_PLACEMENT });
    creations = { from, to: new Date(Date.now() + 1_000).toISOString() };
  });
  afterAll(async () => {
    await control?.end();
    await silo?.end();
    await app?.close();
  });

  /** Every partitioned or plain table with tenant_id (events once, not per partition). */
  async function tenantTables(client: Client): Promise<string[]> {
    const { rows } = await client.query<{ table: string }>(`
      SELECT c.relname AS table
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       ORDER BY 1`);
    return rows.map((row) => row.table);
  }

  /** The tenant's rows per tenant table of one database, read as its owner under its RLS scope. */
  async function rowsOf(client: Client, tenantId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    await client.query('BEGIN');
    try {
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      for (const table of await tenantTables(client)) {
        // Table names come from the catalogue, not from input.
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${table}" WHERE tenant_id = $1`,
          [tenantId],
        );
        if (rows[0].n > 0) counts[table] = rows[0].n;
      }
    } finally {
      await client.query('ROLLBACK');
    }
    return counts;
  }

  async function tenantRow(client: Client, id: string) {
    const { rows } = await client.query<{ placement: string | null; provisioning: boolean }>(
      `SELECT p.name AS placement, t.provisioning
         FROM tenants t LEFT JOIN placements p ON p.id = t.placement_id WHERE t.id = $1`,
      [id],
    );
    return rows[0];
  }

  it('puts the siloed tenant in its placement database, and its rows there only', async () => {
    expect(await tenantRow(control, siloed.id)).toEqual({
      placement: SILO_PLACEMENT,
      provisioning: false,
    });
    // The silo holds the copy of the control row (its placements table is empty).
    expect(await tenantRow(silo, siloed.id)).toEqual({ placement: null, provisioning: false });

    // Served from the silo: a write through the API lands there.
    const token = bearer(tenantToken(siloed.id));
    await app.http.get('/v1/settings').set(token).expect(200);
    await app.http
      .post('/v1/dashboards')
      .set(token)
      .send({ name: 'Silo board', widgets: [] })
      .expect(201);

    const inSilo = await rowsOf(silo, siloed.id);
    expect(inSilo).toMatchObject({
      tenant_settings: 1,
      users: 1,
      tenant_plan_periods: 1,
    });
    expect(inSilo.dashboards).toBeGreaterThanOrEqual(1);
    expect(inSilo.audit_log).toBeGreaterThanOrEqual(1);
    // The control database holds none of its tenant-table rows.
    expect(await rowsOf(control, siloed.id)).toEqual({});
  });

  it('keeps the pooled tenant in the control database, none of it in the silo', async () => {
    await app.http
      .get('/v1/settings')
      .set(bearer(tenantToken(pooled.id)))
      .expect(200);
    expect(await tenantRow(control, pooled.id)).toEqual({
      placement: 'pooled',
      provisioning: false,
    });
    expect(await rowsOf(control, pooled.id)).toMatchObject({ tenant_settings: 1, users: 1 });
    expect(await tenantRow(silo, pooled.id)).toBeUndefined();
    expect(await rowsOf(silo, pooled.id)).toEqual({});
  });

  it("writes one batch's events to each tenant's own database (one transaction per placement)", async () => {
    const store = new PostgresEventStore(app.app.get(TenantContext), app.app.get(DataSource));
    await store.prepare();
    const event = (tenantId: string) => ({
      tenantId,
      eventId: randomUUID(),
      eventType: 'placement_probe',
      timestamp: new Date(),
      userId: 'u1',
      sessionId: 's1',
      properties: {},
      receivedAt: new Date(),
    });
    const result = await store.write([event(siloed.id), event(pooled.id), event(siloed.id)]);
    expect(result.written).toBe(3);
    expect((await rowsOf(silo, siloed.id)).events).toBe(2);
    expect((await rowsOf(control, siloed.id)).events).toBeUndefined();
    expect((await rowsOf(control, pooled.id)).events).toBe(1);
    expect((await rowsOf(silo, pooled.id)).events).toBeUndefined();
  });

  it("answers 404 for the other tenant's resource, in either direction", async () => {
    const boardOf = async (tenantId: string) => {
      const response = await app.http
        .get('/v1/dashboards')
        .set(bearer(tenantToken(tenantId)))
        .expect(200);
      return response.body.data[0].id as string;
    };
    const siloBoard = await boardOf(siloed.id);
    const pooledBoard = await boardOf(pooled.id);
    await app.http
      .get(`/v1/dashboards/${siloBoard}`)
      .set(bearer(tenantToken(pooled.id)))
      .expect(404);
    await app.http
      .get(`/v1/dashboards/${pooledBoard}`)
      .set(bearer(tenantToken(siloed.id)))
      .expect(404);
    await app.http
      .get(`/v1/dashboards/${siloBoard}`)
      .set(bearer(tenantToken(siloed.id)))
      .expect(200);
    // Each attempt is audited in the owner's log, in the owner's database.
    const attempts = async (client: Client, owner: string, resourceId: string) => {
      await client.query('BEGIN');
      try {
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [owner]);
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log
            WHERE tenant_id = $1 AND action = 'cross_tenant_attempt' AND resource_id = $2`,
          [owner, resourceId],
        );
        return rows[0].n;
      } finally {
        await client.query('ROLLBACK');
      }
    };
    expect(await attempts(silo, siloed.id, siloBoard)).toBe(1);
    expect(await attempts(control, pooled.id, pooledBoard)).toBe(1);
  });

  it('keeps a platform change of a siloed tenant in control first, and its copy and audit in the silo', async () => {
    await app.http
      .patch(`/admin/tenants/${siloed.id}`)
      .set(adminAuth)
      .send({ name: 'Renamed silo tenant' })
      .expect(200);
    const names = async (client: Client) =>
      (await client.query('SELECT name FROM tenants WHERE id = $1', [siloed.id])).rows[0]?.name;
    expect(await names(control)).toBe('Renamed silo tenant');
    expect(await names(silo)).toBe('Renamed silo tenant');
    const updates = await rowsOfAction(silo, siloed.id, 'tenant.updated');
    expect(updates).toBe(1);
    expect(await rowsOfAction(control, siloed.id, 'tenant.updated')).toBe(0);
  });

  it('fences every transaction on the placement epoch: a copy behind control answers 503 Retry-After 1', async () => {
    const token = bearer(tenantToken(siloed.id));
    await app.http.get('/v1/settings').set(token).expect(200);
    // A flip in control the placement's copy has not seen (a move half-way): the first
    // statement reads the copy's epoch, the retry reads control again, both disagree.
    await control.query('UPDATE tenants SET placement_epoch = placement_epoch + 1 WHERE id = $1', [
      siloed.id,
    ]);
    try {
      // The directory still holds the old epoch: the copy matches it, served as before.
      await app.http.get('/v1/settings').set(token).expect(200);
      app.app.get(PlacementDirectory).forget(siloed.id);
      const moved = await app.http.get('/v1/settings').set(token).expect(503);
      expect(moved.headers['retry-after']).toBe('1');
      expect(moved.body.message).toMatch(/being moved/);
    } finally {
      // The copy catches up (as the mover's flip does): served again.
      await silo.query('UPDATE tenants SET placement_epoch = placement_epoch + 1 WHERE id = $1', [
        siloed.id,
      ]);
    }
    await app.http.get('/v1/settings').set(token).expect(200);
  });

  it('reads the epoch after the fence: a transaction that waited on a flip sees the flip', async () => {
    const token = bearer(tenantToken(siloed.id));
    const directory = app.app.get(PlacementDirectory);
    await app.http.get('/v1/settings').set(token).expect(200);
    const before = (await directory.of(siloed.id)).epoch;
    // A mover's flip: the exclusive fence in the tenant's database, the epoch bumped under it.
    const mover = await connectAs('owner', 'silo-1');
    try {
      await mover.query('BEGIN');
      await mover.query(
        "SELECT pg_advisory_xact_lock(hashtextextended('tenant-placement:' || $1, 0))",
        [siloed.id],
      );
      const waiting = app.http
        .get('/v1/settings')
        .set(token)
        .then((r) => r);
      // Until the request waits on the fence (an advisory lock not granted in the silo).
      for (let tries = 0; tries < 100; tries++) {
        const { rows } = await mover.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await control.query(
        'UPDATE tenants SET placement_epoch = placement_epoch + 1 WHERE id = $1',
        [siloed.id],
      );
      await mover.query('UPDATE tenants SET placement_epoch = placement_epoch + 1 WHERE id = $1', [
        siloed.id,
      ]);
      await mover.query('COMMIT');
      expect((await waiting).status).toBe(200);
    } finally {
      await mover.end();
    }
    // It read the new epoch (not its statement's snapshot from before the wait), so it found
    // the directory behind and refreshed it from control.
    expect((await directory.of(siloed.id)).epoch).toBe(before + 1);
  });

  async function rowsOfAction(client: Client, tenantId: string, action: string) {
    await client.query('BEGIN');
    try {
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = $2',
        [tenantId, action],
      );
      return rows[0].n;
    } finally {
      await client.query('ROLLBACK');
    }
  }

  it("shows the siloed tenant's audit entries in the platform audit log, once (fan-out)", async () => {
    const list = async (query: Record<string, string>) =>
      (await app.http.get('/admin/audit-log').query(query).set(adminAuth).expect(200)).body as {
        data: { tenant_id: string | null; action: string }[];
        total: number;
      };
    const silo = await list({ tenant_id: siloed.id, action: 'tenant.created' });
    expect(silo.data).toEqual([expect.objectContaining({ tenant_id: siloed.id })]);
    expect(silo.total).toBe(1);
    const pooledOnly = await list({ tenant_id: pooled.id, action: 'tenant.created' });
    expect(pooledOnly.data).toEqual([expect.objectContaining({ tenant_id: pooled.id })]);
    // Unfiltered by tenant, newest first across both databases: both creations, each once. The
    // window is the seconds this suite created them in, since other suites sharing the
    // databases create tenants of their own (CI once had 101 over a whole run, past one page).
    const created = await list({ action: 'tenant.created', limit: '100', ...creations });
    const ids = created.data.map((entry) => entry.tenant_id);
    expect(ids.filter((id) => id === siloed.id)).toHaveLength(1);
    expect(ids.filter((id) => id === pooled.id)).toHaveLength(1);
    expect(created.data.length).toBeLessThan(100);
    expect(created.total).toBe(created.data.length);
  });

  it('deletes, restores and purges a siloed tenant: control first, its rows gone from its database', async () => {
    const doomed = await createTenant(app.http, { tier: 'enterprise', placement: SILO_PLACEMENT });
    const token = bearer(tenantToken(doomed.id));
    await app.http.get('/v1/settings').set(token).expect(200);
    const statusIn = async (client: Client) =>
      (await client.query('SELECT status FROM tenants WHERE id = $1', [doomed.id])).rows[0]?.status;

    await app.http.delete(`/admin/tenants/${doomed.id}`).set(adminAuth).expect(200);
    expect([await statusIn(control), await statusIn(silo)]).toEqual([
      'pending_deletion',
      'pending_deletion',
    ]);
    // Control is what the resolver reads: the tenant is refused at once.
    await app.http.get('/v1/settings').set(token).expect(403);
    await app.http.post(`/admin/tenants/${doomed.id}/restore`).set(adminAuth).expect(200);
    expect([await statusIn(control), await statusIn(silo)]).toEqual(['active', 'active']);
    await app.http.get('/v1/settings').set(token).expect(200);

    await app.http.delete(`/admin/tenants/${doomed.id}`).set(adminAuth).expect(200);
    expect(Object.keys(await rowsOf(silo, doomed.id)).length).toBeGreaterThan(0);
    await app.http
      .post(`/admin/tenants/${doomed.id}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: doomed.slug, force: true })
      .expect(200);
    expect([await statusIn(control), await statusIn(silo)]).toEqual(['purged', 'purged']);
    expect(await rowsOf(silo, doomed.id)).toEqual({});
    expect(await rowsOf(control, doomed.id)).toEqual({});
  });

  it('repairs a copy that drifted from control (the reconciler job)', async () => {
    // A copy that missed a change (its sync failed after the control UPDATE committed).
    await silo.query("UPDATE tenants SET name = 'drifted' WHERE id = $1", [siloed.id]);
    const reconciler = app.app.get(PlacementReconcilerService);
    const result = await reconciler.reconcileAll();
    expect(result).toMatchObject({ placements: 1, unreachable: [] });
    expect(result.repaired).toBeGreaterThanOrEqual(1);
    expect(result.checked).toBeGreaterThanOrEqual(2);
    const names = await Promise.all(
      [control, silo].map(
        async (client) =>
          (await client.query('SELECT name FROM tenants WHERE id = $1', [siloed.id])).rows[0].name,
      ),
    );
    expect(names[1]).toBe(names[0]);
    // Nothing left to repair.
    expect((await reconciler.reconcileAll()).repaired).toBe(0);
  });

  it('checks the silo database in the isolation report too', async () => {
    const report = await app.http.get('/admin/isolation-report').set(adminAuth).expect(200);
    expect(report.body.placements).toEqual([
      {
        name: SILO_PLACEMENT,
        reachable: true,
        database: process.env.PLACEMENT_SILO1_DATABASE,
        problems: [],
      },
    ]);
    expect(
      (report.body.problems as string[]).filter((problem) => problem.startsWith('placement ')),
    ).toEqual([]);
  });

  it("routes a siloed tenant's verified custom domain, and no other tenant can claim it", async () => {
    const hostname = `silo-${randomUUID().slice(0, 8)}.customer.example`;
    await silo.query('BEGIN');
    await silo.query("SELECT set_config('app.tenant_id', $1, true)", [siloed.id]);
    await silo.query(
      `INSERT INTO custom_domains (tenant_id, hostname, verification_token, status, verified_at)
       VALUES ($1, $2, repeat('t', 32), 'verified', now())`,
      [siloed.id, hostname],
    );
    await silo.query('COMMIT');
    // Control has no row of it: the answer comes from the silo, whose tenant lives there.
    await app.http.get('/tls/ask').query({ domain: hostname }).expect(200);
    const claim = await app.http
      .post('/v1/domains')
      .set(bearer(tenantToken(pooled.id)))
      .send({ hostname })
      .expect(409);
    expect(claim.body.message).toMatch(/already verified by another tenant/);
  });

  it('refuses an unknown or inactive placement with 400 naming placement, storing nothing', async () => {
    const slug = uniqueSlug('nowhere');
    const response = await app.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({
        name: 'Nowhere',
        slug,
        owner_email: `o@${slug}.example`,
        tier: 'enterprise',
        placement: 'no-such-placement',
      })
      .expect(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'placement' })]);
    const malformed = await app.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'Bad', slug, owner_email: `o@${slug}.example`, placement: 'Not A Name!' })
      .expect(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'placement' })]);
    const { rows } = await control.query('SELECT 1 FROM tenants WHERE slug = $1', [slug]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a silo to a plan without dedicated_database with 403 naming the feature', async () => {
    const slug = uniqueSlug('starter-silo');
    const response = await app.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({
        name: 'Starter silo',
        slug,
        owner_email: `o@${slug}.example`,
        tier: 'growth',
        placement: SILO_PLACEMENT,
      })
      .expect(403);
    expect(response.body).toMatchObject({ feature: 'dedicated_database', plan: 'growth' });
    const { rows } = await control.query('SELECT 1 FROM tenants WHERE slug = $1', [slug]);
    expect(rows).toHaveLength(0);
  });

  it("answers 503 for a misconfigured placement's tenants while pooled tenants are served", async () => {
    // A placement whose PLACEMENT_BROKEN_* variables do not exist, and a tenant in it.
    const {
      rows: [broken],
    } = await control.query<{ id: string }>(
      `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
       VALUES ('broken-1', 'siloed', 'env:BROKEN', 'unused') RETURNING id`,
    );
    const victim = await createTenant(app.http, { tier: 'enterprise', placement: SILO_PLACEMENT });
    await control.query('UPDATE tenants SET placement_id = $1 WHERE id = $2', [
      broken.id,
      victim.id,
    ]);
    app.app.get(PlacementDirectory).forget(victim.id);
    try {
      const refused = await app.http
        .get('/v1/settings')
        .set(bearer(tenantToken(victim.id)))
        .expect(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body.message).toMatch(/database is unavailable/);
      expect(JSON.stringify(refused.body)).not.toMatch(/PLACEMENT_BROKEN/);
      await app.http
        .get('/v1/settings')
        .set(bearer(tenantToken(pooled.id)))
        .expect(200);
      await app.http
        .get('/v1/settings')
        .set(bearer(tenantToken(siloed.id)))
        .expect(200);

      // The operator's list names it unreachable, and why; the others answer.
      const list = await app.http.get('/admin/placements').set(adminAuth).expect(200);
      const byName = Object.fromEntries(
        (list.body.data as PlacementResponse[]).map((entry) => [entry.name, entry]),
      );
      expect(byName['broken-1']).toMatchObject({
        reachable: false,
        database_bytes: null,
        tenants: { active: 1 },
      });
      expect(byName['broken-1'].error).toMatch(/PLACEMENT_BROKEN_HOST is missing/);
      expect(byName.pooled).toMatchObject({ kind: 'pooled', reachable: true, error: null });
      expect(byName[SILO_PLACEMENT]).toMatchObject({ kind: 'siloed', reachable: true });
      expect(byName[SILO_PLACEMENT].database_bytes).toBeGreaterThan(0);
      expect(byName[SILO_PLACEMENT].tenants.active).toBeGreaterThanOrEqual(1);
    } finally {
      await control.query(
        `UPDATE tenants SET placement_id = (SELECT id FROM placements WHERE name = $1) WHERE id = $2`,
        [SILO_PLACEMENT, victim.id],
      );
      await control.query("UPDATE placements SET status = 'disabled' WHERE id = $1", [broken.id]);
      app.app.get(PlacementDirectory).forget(victim.id);
    }
    await app.http
      .get('/v1/settings')
      .set(bearer(tenantToken(victim.id)))
      .expect(200);
  });
});

/**
 * The pools of placement databases: at most PLACEMENT_MAX_OPEN open (the least recently used idle
 * one closes for a new one; a busy one is never closed under its user), and closed when idle.
 */
describe('placement pools: bound and idle close', () => {
  let app: TestApp;
  let control: Client;
  const names = ['pool-a', 'pool-b'];

  beforeAll(async () => {
    requireSilo();
    app = await createTestApp({ env: { PLACEMENT_MAX_OPEN: '1', PLACEMENT_IDLE_MS: '1000' } });
    control = await connectAs('owner', 'control');
    // Two placements on the silo's settings: two pools to open, one database.
    for (const name of names) {
      await control.query(
        `INSERT INTO placements (name, kind, connection_ref, clickhouse_database, status)
         VALUES ($1, 'siloed', 'env:SILO1', 'unused', 'disabled')`,
        [name],
      );
    }
  });
  afterAll(async () => {
    await control?.end();
    await app?.close();
  });

  it('opens lazily, never more than the bound, closes idle pools, never a busy one', async () => {
    const directory = app.app.get(PlacementDirectory);
    const pools = app.app.get<PlacementPools, PlacementPoolsRegistry>(PlacementPools);
    const [a, b] = await Promise.all(names.map(async (name) => (await directory.byName(name))!));
    // Only what start-up upkeep opened (silo-1's event partitions) is open, within the bound.
    expect(pools.openCount()).toBeLessThanOrEqual(1);
    expect(pools.isOpen(a.id)).toBe(false);

    const first = await pools.dataSource(a, 'app');
    expect(pools.isOpen(a.id)).toBe(true);
    const [{ user }] = await first.query<{ user: string }[]>('SELECT current_user AS user');
    expect(user).toBe(process.env.PLACEMENT_SILO1_APP_USER);

    // At the bound: opening b closes a (idle), so one stays open.
    await pools.dataSource(b, 'platform');
    expect([pools.isOpen(a.id), pools.isOpen(b.id)]).toEqual([false, true]);

    // b busy (a connection checked out): a cannot have its slot, and says why.
    const busy = (await pools.dataSource(b, 'app')).createQueryRunner();
    await busy.connect();
    try {
      const refused = await pools.dataSource(a, 'app').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PlacementUnavailableError);
      expect((refused as Error).message).toMatch(/PLACEMENT_MAX_OPEN/);
      // Nor is a busy pool closed as idle, however long unused.
      expect(await pools.closeIdle(Date.now() + 60_000)).toBe(0);
      expect(pools.isOpen(b.id)).toBe(true);
    } finally {
      await busy.release();
    }
    // Idle past PLACEMENT_IDLE_MS: closed.
    expect(await pools.closeIdle(Date.now() + 2_000)).toBe(1);
    expect(pools.openCount()).toBe(0);
  }, 30_000);

  it('keeps the control database out of the bound: its pools are the app’s own', async () => {
    const directory = app.app.get(PlacementDirectory);
    const pools = app.app.get<PlacementPools, PlacementPoolsRegistry>(PlacementPools);
    const pooled = (await directory.byName('pooled'))!;
    const before = pools.openCount();
    expect(await pools.dataSource(pooled, 'app')).toBe(app.app.get(DataSource));
    expect(pools.openCount()).toBe(before);
  });
});
