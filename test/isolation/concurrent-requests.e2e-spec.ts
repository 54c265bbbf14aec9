import type { PoolClient, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { requireSilo, SILO_PLACEMENT } from '../support/placements';
import { adminAuth, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/**
 * The pooled-connection promise: with only 2 connections shared by 400 concurrent requests of
 * two tenants, every request sees its own tenant's settings, and afterwards no connection in the
 * pool still carries a tenant. Run with both tenants pooled, and with the second one siloed
 * (its requests go to its own database's pool, interleaved with the first's).
 */
describe.each([{ second: 'pooled' }, { second: SILO_PLACEMENT }])(
  '400 concurrent requests over a pool of 2 connections (second tenant $second)',
  ({ second }) => {
    let t: TestApp;
    const tenants: { id: string; token: string; timezone: string }[] = [];

    beforeAll(async () => {
      if (second !== 'pooled') requireSilo();
      t = await createTestApp({ env: { DATABASE_POOL_SIZE: '2', PLACEMENT_POOL_SIZE: '2' } });
      for (const [n, timezone] of ['Europe/Berlin', 'Asia/Tokyo'].entries()) {
        const siloed = n === 1 && second !== 'pooled';
        const { id } = await createTenant(
          t.http,
          siloed ? { tier: 'enterprise', placement: second } : {},
        );
        await t.http
          .patch('/v1/settings')
          .set({ ...adminAuth, 'X-Tenant-ID': id })
          .send({ timezone })
          .expect(200);
        tenants.push({ id, timezone, token: tenantToken(id) });
      }
    });
    afterAll(() => t.close());

    it('answers every request with its own tenant and leaves every pooled connection clean', async () => {
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

      // Under TEST_DATABASE_POOLER=pgbouncer the app's pool holds PgBouncer's clients.
      const pooled = process.env.DATABASE_POOLER === 'pgbouncer';
      expect(t.app.get(DataSource).options).toMatchObject({
        port: Number(pooled ? process.env.DATABASE_POOLER_PORT : process.env.DATABASE_PORT),
      });
      const pool = (t.app.get(DataSource).driver as unknown as { master: Pool }).master;
      // Both connections were opened (the requests overlapped), are still the ones that served
      // them (none replaced), and are idle now. The app's job workers share the queues of the
      // test database with every other test app, so one may be running a job on a connection for
      // a moment: wait for it (a leaked connection never comes back).
      const deadline = Date.now() + 5000;
      while (pool.idleCount < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }).toEqual({
        total: 2,
        idle: 2,
        waiting: 0,
      });
      // Hold both connections at once so each one in the pool is inspected, each in a transaction:
      // through PgBouncer (TEST_DATABASE_POOLER=pgbouncer) only a transaction keeps a server
      // connection to itself (test/database/pgbouncer.e2e-spec.ts inspects every one there).
      const clients: PoolClient[] = await Promise.all([pool.connect(), pool.connect()]);
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
        expect(new Set(seen.map((row) => row.pid)).size).toBe(2);
        for (const row of seen) expect(row.tenant ?? '').toBe('');
      } finally {
        for (const client of clients) await client.query('ROLLBACK');
        clients.forEach((client) => client.release());
      }
    });
  },
);
