import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

/**
 * Issue 11, finding 8: the cross-tenant readers and the platform tables' UPDATE belong to the
 * platform role, which only /admin code paths (and the rollup job) connect as. The app role,
 * serving tenant traffic, holds none of it: an injection there could never reach them.
 */
const PLATFORM_CALLS: [string, string, unknown[]][] = [
  [
    'platform_audit_entries',
    'SELECT * FROM public.platform_audit_entries(NULL, NULL, NULL, NULL, NULL, false, 10, 0)',
    [],
  ],
  [
    'platform_invoices',
    "SELECT * FROM public.platform_invoices(date_trunc('month', now()), 10)",
    [],
  ],
  [
    'platform_query_costs',
    "SELECT * FROM public.platform_query_costs(now() - interval '1 day', now(), 10)",
    [],
  ],
  [
    'platform_custom_domains_due',
    'SELECT * FROM public.platform_custom_domains_due(now(), 10)',
    [],
  ],
  [
    'platform_silent_tenants',
    'SELECT * FROM public.platform_silent_tenants(now(), 10)',
    [],
  ],
  [
    'platform_accepted_on_day',
    'SELECT * FROM public.platform_accepted_on_day(current_date, 10)',
    [],
  ],
  [
    'platform_stale_rollup_days',
    'SELECT * FROM public.platform_stale_rollup_days(current_date, 10)',
    [],
  ],
  [
    'platform_queued_exports',
    'SELECT * FROM public.platform_queued_exports(10)',
    [],
  ],
  [
    'platform_quota_warnings',
    "SELECT * FROM public.platform_quota_warnings(to_char(now(), 'YYYY-MM'), 10)",
    [],
  ],
];

describe('the platform role', () => {
  let t: TestApp;
  let app: Client;
  let platform: Client;
  let tenant: { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    app = await connectAs('app');
    platform = await connectAs('platform');
    tenant = await createTenant(t.http);
  });
  afterAll(async () => {
    await app.end();
    await platform.end();
    await t.close();
  });

  it.each(PLATFORM_CALLS)(
    'refuses %s to the app role, inside a tenant transaction or not',
    async (_name, text, values) => {
      expect(await inTransaction(app, () => sqlState(app, text, values))).toBe('42501');
      expect(await asTenant(app, tenant.id, () => sqlState(app, text, values))).toBe('42501');
    },
  );

  it('refuses the app role UPDATE on tenants and any access to platform_admins', async () => {
    await asTenant(app, tenant.id, async () => {
      expect(
        await sqlState(app, "UPDATE tenants SET name = 'taken over' WHERE id = $1", [tenant.id]),
      ).toBe('42501');
      expect(await sqlState(app, "UPDATE tenants SET status = 'active'")).toBe('42501');
      expect(await sqlState(app, 'SELECT password_hash FROM platform_admins')).toBe('42501');
      expect(await sqlState(app, "UPDATE platform_admins SET status = 'active'")).toBe('42501');
      expect(
        await sqlState(app, 'INSERT INTO platform_admins (email, password_hash) VALUES ($1, $2)', [
          `${randomUUID()}@evil.example`,
          '$argon2id$x',
        ]),
      ).toBe('42501');
      // What tenant traffic still needs keeps working.
      expect(await sqlState(app, 'SELECT id FROM tenants WHERE id = $1', [tenant.id])).toBe('ok');
    });
  });

  it.each(PLATFORM_CALLS)('lets the platform role call %s', async (_name, text, values) => {
    expect(await inTransaction(platform, () => sqlState(platform, text, values))).toBe('ok');
  });

  it('is not superuser, not BYPASSRLS, owns nothing, and reads no tenant table past RLS', async () => {
    const { rows } = await platform.query<{
      rolsuper: boolean;
      rolbypassrls: boolean;
      owned: string;
    }>(
      `SELECT r.rolsuper, r.rolbypassrls,
              (SELECT count(*) FROM pg_class c WHERE pg_has_role(r.oid, c.relowner, 'MEMBER')) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: '0' }]);
    await inTransaction(platform, async () => {
      expect(await sqlState(platform, 'SELECT * FROM users')).toBe('42501');
      expect((await platform.query('SELECT * FROM audit_log')).rows).toEqual([]);
    });
  });

  it('still serves the admin routes: change and delete a tenant, audit log, cost attribution', async () => {
    const other = await createTenant(t.http);
    const patched = await t.http
      .patch(`/admin/tenants/${other.id}`)
      .set(adminAuth)
      .send({ name: 'Renamed by the platform', tier: 'growth' })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'Renamed by the platform', tier: 'growth' });
    await t.http.delete(`/admin/tenants/${other.id}`).set(adminAuth).expect(200);
    const log = await t.http
      .get('/admin/audit-log')
      .query({ tenant_id: other.id })
      .set(adminAuth)
      .expect(200);
    expect(log.body.data.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['tenant.created', 'tenant.updated', 'tenant.deletion_requested']),
    );
    await t.http.get('/admin/cost-attribution').set(adminAuth).expect(200);
  });
});

async function inTransaction<T>(client: Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}
