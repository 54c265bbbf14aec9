import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { connectAs, sqlState } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { TEST_PLATFORM_ADMIN_EMAIL } from '../support/stack-env';

interface PlatformEntry {
  tenant_id: string | null;
  action: string;
  actor_type: string;
  actor_id: string | null;
  resource_id: string | null;
  details: Record<string, unknown>;
  cross_tenant_attempt: boolean;
}

describe('GET /admin/audit-log', () => {
  let t: TestApp;
  let tenantA: { id: string; ownerId: string };
  let tenantB: { id: string; ownerId: string };

  beforeAll(async () => {
    t = await createTestApp();
    tenantA = await createTenant(t.http);
    tenantB = await createTenant(t.http);
    await t.http
      .patch('/v1/settings')
      .set(bearer(tenantToken(tenantA.id)))
      .send({ timezone: 'Europe/Paris' })
      .expect(200);
    await t.http
      .patch('/v1/settings')
      .set(bearer(tenantToken(tenantB.id)))
      .send({ timezone: 'Asia/Tokyo' })
      .expect(200);
  });
  afterAll(() => t.close());

  const list = async (
    query: Record<string, string>,
  ): Promise<{ data: PlatformEntry[]; total: number }> =>
    (await t.http.get('/admin/audit-log').query(query).set(adminAuth).expect(200)).body;

  it("shows every tenant's entries, each with its tenant", async () => {
    const { data } = await list({ action: 'settings.updated', limit: '100' });
    const ours = data.filter((e) => e.tenant_id === tenantA.id || e.tenant_id === tenantB.id);
    expect(ours.map((e) => [e.tenant_id, e.details.timezone]).sort()).toEqual(
      [
        [tenantA.id, 'Europe/Paris'],
        [tenantB.id, 'Asia/Tokyo'],
      ].sort(),
    );
  });

  it('filters by tenant, actor and time, and pages with a total', async () => {
    const onlyA = await list({ tenant_id: tenantA.id, limit: '100' });
    expect(onlyA.data.length).toBeGreaterThanOrEqual(3); // tenant.created, user.created, settings.updated
    expect(new Set(onlyA.data.map((e) => e.tenant_id))).toEqual(new Set([tenantA.id]));
    expect(onlyA.total).toBe(onlyA.data.length);

    const byOwner = await list({ actor_id: tenantA.ownerId });
    expect(byOwner.data.map((e) => e.action)).toEqual(['settings.updated']);

    const page2 = await list({ tenant_id: tenantA.id, limit: '1', page: '2' });
    expect(page2.data).toHaveLength(1);
    expect(page2.data[0]).toEqual(onlyA.data[1]);
    expect(page2.total).toBe(onlyA.total);
    const pastTheEnd = await list({ tenant_id: tenantA.id, limit: '100', page: '9' });
    expect(pastTheEnd).toMatchObject({ data: [], total: onlyA.total });

    const future = await list({ from: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future).toMatchObject({ data: [], total: 0 });
  });

  it('lists cross-tenant attempts across tenants on their own', async () => {
    await t.http
      .get(`/v1/users/${tenantB.ownerId}`)
      .set(bearer(tenantToken(tenantA.id)))
      .expect(404);
    const { data } = await list({ cross_tenant_only: 'true', tenant_id: tenantB.id });
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      tenant_id: tenantB.id,
      action: 'cross_tenant_attempt',
      resource_id: tenantB.ownerId,
      details: expect.objectContaining({ caller_tenant_id: tenantA.id }),
    });
  });

  it('holds the platform admin logins, failed ones with their reason, under no tenant', async () => {
    await t.http
      .post('/auth/admin/login')
      .send({ email: TEST_PLATFORM_ADMIN_EMAIL, password: 'not the passphrase at all' })
      .expect(401);
    const failed = await list({ action: 'admin_login.failed', limit: '1' });
    expect(failed.data[0]).toMatchObject({
      tenant_id: null,
      actor_type: 'anonymous',
      details: { email: TEST_PLATFORM_ADMIN_EMAIL, reason: 'wrong_password' },
    });
    const succeeded = await list({ action: 'admin_login.succeeded', limit: '1' });
    expect(succeeded.data[0]).toMatchObject({ tenant_id: null, actor_type: 'platform_admin' });
  });

  it('answers bad filters with 400 naming them, tenants with 403, nobody with 401', async () => {
    for (const [query, field] of [
      [{ tenant_id: 'acme' }, 'tenant_id'],
      [{ cross_tenant_only: 'yes' }, 'cross_tenant_only'],
      [{ from: 'yesterday' }, 'from'],
      [{ limit: '1000' }, 'limit'],
    ] as const) {
      const response = await t.http.get('/admin/audit-log').query(query).set(adminAuth).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await t.http
      .get('/admin/audit-log')
      .set(bearer(tenantToken(tenantA.id)))
      .expect(403);
    await t.http.get('/admin/audit-log').expect(401);
    await t.http
      .get('/admin/audit-log')
      .query({ tenant_id: randomUUID() })
      .set(adminAuth)
      .expect(200);
  });

  it('is append-only for the app role at the SQL level', async () => {
    const app: Client = await connectAs('app');
    try {
      await app.query('BEGIN');
      expect(await sqlState(app, 'UPDATE platform_audit_log SET action = $1', ['x'])).toBe('42501');
      expect(await sqlState(app, 'DELETE FROM platform_audit_log')).toBe('42501');
      expect(await sqlState(app, 'TRUNCATE platform_audit_log')).toBe('42501');
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });
});
