import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Client, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PlatformLeasesService } from '../../src/database/leases/platform-leases.service';
import { PLATFORM_CONNECTION } from '../../src/database/platform.database';
import { connectAs } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { startTestPgBouncer, type TestPgBouncer } from '../support/test-pgbouncer';

/** A SHOW SERVERS row of PgBouncer's admin console (the columns read here). */
interface ServerRow {
  database: string;
  user: string;
  remote_pid: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The app served through PgBouncer in transaction mode, as production runs it: a server
 * connection belongs to a client for one transaction only, so the tenant transaction
 * (set_config(…, true)), advisory locks and the purge's lease must hold with server connections
 * handed from client to client. The app's 20 pooled connections share 2 server connections.
 */
describe('through PgBouncer (transaction mode)', () => {
  const SERVER_POOL = 2;
  let pooler: TestPgBouncer;
  let t: TestApp;
  const tenants: { id: string; slug: string; token: string; timezone: string }[] = [];

  beforeAll(async () => {
    pooler = await startTestPgBouncer({ poolSize: SERVER_POOL });
    t = await createTestApp({ env: { ...pooler.env, DATABASE_POOL_SIZE: '20' } });
    for (const timezone of ['Europe/Berlin', 'Asia/Tokyo']) {
      const { id, slug } = await createTenant(t.http);
      await t.http
        .patch('/v1/settings')
        .set({ ...adminAuth, 'X-Tenant-ID': id })
        .send({ timezone })
        .expect(200);
      tenants.push({ id, slug, timezone, token: tenantToken(id) });
    }
  });
  afterAll(async () => {
    await t?.close();
    await pooler?.stop();
  });

  const appServers = async () =>
    (await pooler.admin<ServerRow>('SHOW SERVERS')).filter(
      (row) =>
        row.database === process.env.DATABASE_NAME && row.user === process.env.DATABASE_APP_USER,
    );

  it('answers 400 concurrent requests of two tenants each with its own tenant, over 2 server connections left clean', async () => {
    const responses = await Promise.all(
      Array.from({ length: 400 }, async (_, index) => {
        const tenant = tenants[index % 2];
        const response = await fetch(`${t.url}/v1/settings`, {
          headers: { Authorization: `Bearer ${tenant.token}` },
        });
        return {
          expected: tenant,
          status: response.status,
          body: (await response.json()) as Record<string, string>,
        };
      }),
    );
    for (const { expected, status, body } of responses) {
      expect({ status, tenant_id: body.tenant_id, timezone: body.timezone }).toEqual({
        status: 200,
        tenant_id: expected.id,
        timezone: expected.timezone,
      });
    }

    // The app's side: up to 20 client connections; PgBouncer's: at most 2 server connections of
    // the app role served all of them.
    const servers = await appServers();
    expect(servers.length).toBeLessThanOrEqual(SERVER_POOL);
    expect(servers.length).toBeGreaterThan(0);

    // Every server connection, each held by a transaction of its own at once: no tenant left.
    const clients: Client[] = await Promise.all(servers.map(() => pooler.connect('app')));
    try {
      for (const client of clients) await client.query('BEGIN');
      const seen = await Promise.all(
        clients.map(async (client) => {
          const { rows } = await client.query<{ pid: number; tenant: string | null }>(
            "SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS tenant",
          );
          return rows[0];
        }),
      );
      expect(new Set(seen.map((row) => String(row.pid)))).toEqual(
        new Set(servers.map((row) => String(row.remote_pid))),
      );
      for (const row of seen) expect(row.tenant ?? '').toBe('');
    } finally {
      for (const client of clients) await client.end();
    }
  });

  it('sends no statement_timeout (PgBouncer refuses it): both pools get the role’s own', async () => {
    const expected = `${Number(process.env.DATABASE_STATEMENT_TIMEOUT_MS ?? 15000) / 1000}s`;
    for (const dataSource of [
      t.app.get(DataSource),
      t.app.get<DataSource>(getDataSourceToken(PLATFORM_CONNECTION)),
    ]) {
      const [row] = await dataSource.query<{ role: string; value: string }[]>(
        "SELECT current_user AS role, current_setting('statement_timeout') AS value",
      );
      // '0': a stack bootstrapped before the role default existed; `scripts/stack.sh up` sets it.
      expect({ role: row.role, statement_timeout: row.value }).toEqual({
        role: row.role,
        statement_timeout: expected,
      });
    }
    await expect(pooler.connect('app', { statementTimeoutMs: 1000 })).rejects.toThrow(
      /unsupported startup parameter/,
    );
  });

  it('holds a transaction advisory lock between clients until the holder commits', async () => {
    const [holder, other] = await Promise.all([pooler.connect('app'), pooler.connect('app')]);
    const key = Math.floor(Math.random() * 2 ** 31);
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [key]);
      const tryLock = async () => {
        await other.query('BEGIN');
        try {
          const { rows } = await other.query<{ locked: boolean }>(
            'SELECT pg_try_advisory_xact_lock($1) AS locked',
            [key],
          );
          return rows[0].locked;
        } finally {
          await other.query('COMMIT');
        }
      };
      expect(await tryLock()).toBe(false);
      await holder.query('COMMIT');
      expect(await tryLock()).toBe(true);
    } finally {
      await Promise.all([holder.end(), other.end()]);
    }
  });

  it('shows why session state is banned: a session SET and a session lock outlive their client', async () => {
    // One server connection, so the next client surely gets the one the first used.
    const single = await startTestPgBouncer({ poolSize: 1 });
    const [victim] = tenants;
    const key = Math.floor(Math.random() * 2 ** 31);
    try {
      const first = await single.connect('app');
      await first.query("SELECT set_config('app.tenant_id', $1, false)", [victim.id]);
      await first.query('SELECT pg_advisory_lock($1)', [key]);
      await first.end();

      // A client that never named a tenant reads the first one's rows: RLS trusts app.tenant_id.
      const next = await single.connect('app');
      try {
        const { rows } = await next.query<{ tenant: string; settings: string[] }>(
          `SELECT current_setting('app.tenant_id', true) AS tenant,
                  ARRAY(SELECT tenant_id::text FROM tenant_settings) AS settings`,
        );
        expect(rows[0]).toEqual({ tenant: victim.id, settings: [victim.id] });
      } finally {
        await next.end();
      }
      // The session lock is still held by the server connection, its client long gone.
      const direct = await connectAs('app');
      try {
        const { rows } = await direct.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [key],
        );
        expect(rows[0].locked).toBe(false);
      } finally {
        await direct.end();
      }
    } finally {
      await single.stop(); // closes its server connections: setting and lock go with them
    }
  });

  describe('the purge lease', () => {
    const leases = () => t.app.get(PlatformLeasesService);

    it('has one holder at a time, held however long, free again when released', async () => {
      const name = `test-lease:${randomUUID()}`;
      const first = await leases().acquire(name);
      expect(first).not.toBeNull();
      expect(await leases().acquire(name)).toBeNull();
      await sleep(1500); // no timer, no expiry: still held, by one server connection pinned to it
      expect(first!.held).toBe(true);
      await expect(first!.assertHeld()).resolves.toBeUndefined();
      expect(await leases().acquire(name)).toBeNull();
      await first!.release();
      const second = await leases().acquire(name);
      expect(second).not.toBeNull();
      await second!.release();
    });

    it('lets go of a killed holder at once: its lock goes with its connection', async () => {
      const name = `test-lease:${randomUUID()}`;
      // A holder killed half-way: its client connection to PgBouncer dies mid-transaction.
      const runner = t.app.get<DataSource>(getDataSourceToken(PLATFORM_CONNECTION)).createQueryRunner();
      const client = (await runner.connect()) as PoolClient;
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
      expect(await leases().acquire(name)).toBeNull();
      client.release(new Error('killed')); // destroys the socket
      const deadline = Date.now() + 3000;
      let taken = await leases().acquire(name);
      while (!taken && Date.now() < deadline) {
        await sleep(50);
        taken = await leases().acquire(name);
      }
      expect(taken).not.toBeNull();
      await taken!.release();
    });

    it('fences a holder whose lease was taken: it is told to stop, and its release leaves the new row', async () => {
      const name = `test-lease:${randomUUID()}`;
      const lease = (await leases().acquire(name))!;
      const owner = await connectAs('owner');
      try {
        await owner.query('UPDATE platform_leases SET holder = gen_random_uuid() WHERE name = $1', [
          name,
        ]);
        await expect(lease.assertHeld()).rejects.toThrow(/lost/);
        expect(lease.held).toBe(false);
        await lease.release();
        const { rows } = await owner.query('SELECT 1 FROM platform_leases WHERE name = $1', [name]);
        expect(rows).toHaveLength(1);
      } finally {
        await owner.end();
      }
    });

    it('answers 409 to a purge while another holds the tenant’s lease, and purges once it is free', async () => {
      const tenant = await createTenant(t.http);
      await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
      const held = (await leases().acquire(`tenant-purge:${tenant.id}`))!;
      const purge = () =>
        t.http
          .post(`/admin/tenants/${tenant.id}/purge`)
          .set(adminAuth)
          .send({ confirm_slug: tenant.slug, force: true });
      try {
        const busy = await purge().expect(409);
        expect(busy.body.message).toMatch(/already running/);
      } finally {
        await held.release();
      }
      const done = await purge().expect(200);
      expect(done.body.status).toBe('purged');
    });
  });
});
