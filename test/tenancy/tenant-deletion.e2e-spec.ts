import { anEvent } from '../support/ingestion';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const PASSWORD = 'owner passphrase for deletion';

/**
 * Deletion with a grace period: who may delete (an owner re-entering the password, or a platform
 * admin), every credential refused while pending, restore bringing everything back, purge refused
 * before the grace without force, bad input named, and the platform log keeping it all.
 */
describe('tenant deletion and restore', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
  });
  afterAll(() => t.close());

  /** A tenant whose owner has a password and a session, an API key and a guest token. */
  async function liveTenant() {
    const tenant = await createTenant(t.http);
    await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: PASSWORD })
      .expect(204);
    const login = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email: `owner@${tenant.slug}.example`, password: PASSWORD })
      .expect(200);
    const owner = bearer(login.body.access_token);
    const key = (
      await t.http
        .post('/v1/api-keys')
        .set(owner)
        .send({ name: 'ingest', scopes: ['events:write', 'settings:read'] })
        .expect(201)
    ).body.key as string;
    await t.http
      .post('/v1/events')
      .set(bearer(key))
      .send({ events: [anEvent(), anEvent()] })
      .expect(202);
    const dashboards = await t.http.get('/v1/dashboards').set(owner).expect(200);
    const dashboard = dashboards.body.data[0];
    const guest = (
      await t.http
        .post('/v1/guest-token')
        .set(owner)
        .send({ dashboard_id: dashboard.id, user: { id: 'viewer-1' } })
        .expect(200)
    ).body.token as string;
    const embedUrl = `/embed/api/dashboards/${dashboard.id}/widgets/${dashboard.widgets[0].id}`;
    return { ...tenant, owner, refresh: login.body.refresh_token as string, key, guest, embedUrl };
  }

  async function credentialStatuses(tenant: Awaited<ReturnType<typeof liveTenant>>) {
    return {
      owner: (await t.http.get('/v1/settings').set(tenant.owner)).status,
      key: (await t.http.get('/v1/settings').set(bearer(tenant.key))).status,
      ingest: (
        await t.http
          .post('/v1/events')
          .set(bearer(tenant.key))
          .send({ events: [anEvent()] })
      ).status,
      guest: (await t.http.get(tenant.embedUrl).set(bearer(tenant.guest))).status,
      login: (
        await t.http
          .post('/auth/login')
          .send({ tenant: tenant.slug, email: `owner@${tenant.slug}.example`, password: PASSWORD })
      ).status,
    };
  }

  it('the owner deletes with the password: every credential refused, sessions revoked; restore brings the rest back untouched', async () => {
    const tenant = await liveTenant();
    const users = (await t.http.get('/v1/users').set(tenant.owner).expect(200)).body.total;
    expect(await credentialStatuses(tenant)).toEqual({
      owner: 200,
      key: 200,
      ingest: 202,
      guest: 200,
      login: 200,
    });

    const wrong = await t.http
      .post('/v1/tenant/deletion')
      .set(tenant.owner)
      .send({ password: 'not the password' })
      .expect(403);
    expect(wrong.body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
    // An API key (even with settings:write it would not matter) is no owner.
    await t.http
      .post('/v1/tenant/deletion')
      .set(bearer(tenant.key))
      .send({ password: PASSWORD })
      .expect(403);

    const before = Date.now();
    const deleted = await t.http
      .post('/v1/tenant/deletion')
      .set(tenant.owner)
      .send({ password: PASSWORD })
      .expect(200);
    expect(deleted.body.status).toBe('pending_deletion');
    const purgeAfter = new Date(deleted.body.purge_after).getTime();
    expect(purgeAfter).toBeGreaterThanOrEqual(before + 30 * 86_400_000 - 60_000);
    expect(purgeAfter).toBeLessThan(Date.now() + 30 * 86_400_000 + 60_000);

    const during = await credentialStatuses(tenant);
    expect(during).toEqual({
      owner: 403,
      key: 403,
      ingest: 403,
      guest: expect.any(Number),
      login: 401,
    });
    expect(during.guest).toBeGreaterThanOrEqual(400);
    await t.http.post('/auth/refresh').send({ refresh_token: tenant.refresh }).expect(401);

    const restored = await t.http
      .post(`/admin/tenants/${tenant.id}/restore`)
      .set(adminAuth)
      .expect(200);
    expect(restored.body).toMatchObject({ status: 'active', deleted_at: null, purge_after: null });
    expect(await credentialStatuses(tenant)).toEqual({
      owner: 200,
      key: 200,
      ingest: 202,
      guest: 200,
      login: 200,
    });
    // Data untouched; sessions were revoked at deletion and stay so (sign in again).
    expect((await t.http.get('/v1/users').set(tenant.owner).expect(200)).body.total).toBe(users);
    await t.http.post('/auth/refresh').send({ refresh_token: tenant.refresh }).expect(401);

    const log = await t.http
      .get('/admin/audit-log')
      .query({ tenant_id: tenant.id, limit: 100 })
      .set(adminAuth)
      .expect(200);
    const platformLog = await t.http
      .get('/admin/audit-log')
      .query({ limit: 100 })
      .set(adminAuth)
      .expect(200);
    const ours = [...log.body.data, ...platformLog.body.data].filter(
      (e: { resource_id: string | null }) => e.resource_id === tenant.id,
    );
    const actions = ours.map(
      (e: { action: string; actor_type: string }) => `${e.action}:${e.actor_type}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'tenant.deletion_refused:user',
        'tenant.deletion_requested:user',
        'tenant.restored:platform_admin',
      ]),
    );
  });

  it('counts wrong re-entered passwords like logins: five lock the account, the right one too', async () => {
    const tenant = await liveTenant();
    for (let i = 0; i < 5; i += 1) {
      await t.http
        .post('/v1/tenant/deletion')
        .set(tenant.owner)
        .send({ password: `wrong ${i}` })
        .expect(403);
    }
    const locked = await t.http
      .post('/v1/tenant/deletion')
      .set(tenant.owner)
      .send({ password: PASSWORD })
      .expect(403);
    expect(locked.body.errors).toEqual([
      { field: 'password', message: expect.stringContaining('locked') },
    ]);
    const still = await t.http.get(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    expect(still.body.status).toBe('active');
  });

  it('only an owner may ask: an admin user is refused; a suspended tenant comes back suspended', async () => {
    const tenant = await liveTenant();
    const adminUser = bearer(tenantToken(tenant.id, { claims: { role: 'admin' } }));
    await t.http
      .post('/v1/tenant/deletion')
      .set(adminUser)
      .send({ password: PASSWORD })
      .expect(403);
    await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    const restored = await t.http
      .post(`/admin/tenants/${tenant.id}/restore`)
      .set(adminAuth)
      .expect(200);
    expect(restored.body.status).toBe('suspended');
  });

  it('refuses a purge before the grace without force, a wrong slug, and a restore after the grace', async () => {
    const tenant = await createTenant(t.http);
    await t.http
      .post(`/admin/tenants/${tenant.id}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: tenant.slug, force: true })
      .expect(409); // not deleted yet
    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    const early = await t.http
      .post(`/admin/tenants/${tenant.id}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: tenant.slug })
      .expect(409);
    expect(early.body.errors).toEqual([{ field: 'force', message: expect.any(String) }]);

    for (const [body, field] of [
      [{ confirm_slug: 'some-other-slug', force: true }, 'confirm_slug'],
      [{ force: true }, 'confirm_slug'],
      [{ confirm_slug: 'Not A Slug!', force: true }, 'confirm_slug'],
      [{ confirm_slug: tenant.slug, force: 'yes' }, 'force'],
      [{ confirm_slug: tenant.slug, extra: 1 }, 'extra'],
    ] as const) {
      const bad = await t.http
        .post(`/admin/tenants/${tenant.id}/purge`)
        .set(adminAuth)
        .send(body)
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Nothing happened: still restorable.
    const owner = await connectAs('owner');
    try {
      const { rows } = await owner.query('SELECT status FROM tenants WHERE id = $1', [tenant.id]);
      expect(rows[0].status).toBe('pending_deletion');
      await owner.query(
        "UPDATE tenants SET purge_after = now() - interval '1 second' WHERE id = $1",
        [tenant.id],
      );
    } finally {
      await owner.end();
    }
    await t.http.post(`/admin/tenants/${tenant.id}/restore`).set(adminAuth).expect(409);
  });

  it('tenants cannot delete or restore another tenant, and unknown tenants answer 404', async () => {
    const a = await liveTenant();
    const b = await createTenant(t.http);
    await t.http
      .post('/v1/tenant/deletion')
      .set({ ...a.owner, 'X-Tenant-ID': b.id })
      .send({ password: PASSWORD })
      .expect(403);
    for (const path of [`/admin/tenants/${b.id}/restore`, `/admin/tenants/${b.id}/purge`]) {
      await t.http.post(path).set(a.owner).send({ confirm_slug: b.slug }).expect(403);
    }
    await t.http.delete(`/admin/tenants/${b.id}`).set(a.owner).expect(403);
    const still = await t.http.get(`/admin/tenants/${b.id}`).set(adminAuth).expect(200);
    expect(still.body.status).toBe('active');

    const missing = '00000000-0000-4000-8000-000000000000';
    await t.http.delete(`/admin/tenants/${missing}`).set(adminAuth).expect(404);
    await t.http.post(`/admin/tenants/${missing}/restore`).set(adminAuth).expect(404);
    await t.http
      .post(`/admin/tenants/${missing}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: 'x', force: true })
      .expect(404);
    await t.http.post('/v1/tenant/deletion').set(a.owner).send({}).expect(400);
  });
});
