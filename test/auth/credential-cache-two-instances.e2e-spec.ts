import { setTimeout as delay } from 'node:timers/promises';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  tenantToken,
  type TestApp,
} from '../support/test-app';
import { connectAs } from '../support/sql';

/**
 * The credential cache over two app copies sharing PostgreSQL and Redis. Each copy caches for
 * a minute (far longer than the one second a change may take to reach the other copy), so only
 * the Redis invalidation can make copy 1 refuse within the second after copy 0 made the change.
 */
const TTL_SECONDS = 60;
const WINDOW_MS = 1_000;

describe('credential cache over two app copies', () => {
  let copies: [TestApp, TestApp];

  beforeAll(async () => {
    const env = {
      KAFKA_BROKERS: '',
      CLICKHOUSE_URL: '',
      CREDENTIAL_CACHE: 'on',
      CREDENTIAL_CACHE_TTL_SECONDS: String(TTL_SECONDS),
    };
    copies = [await createTestApp({ env }), await createTestApp({ env })];
  });
  afterAll(async () => {
    for (const copy of copies ?? []) await copy.close();
  });

  /** Polls copy 1 for up to a second until it answers `status`; the last status otherwise. */
  async function statusWithinWindow(
    send: () => Promise<{ status: number }>,
    status: number,
  ): Promise<{ status: number; afterMs: number }> {
    const started = Date.now();
    let last = 0;
    while (Date.now() - started <= WINDOW_MS) {
      last = (await send()).status;
      if (last === status) break;
      await delay(20);
    }
    return { status: last, afterMs: Date.now() - started };
  }

  async function newKey(tenantId: string, scopes: string[]): Promise<{ id: string; key: string }> {
    const response = await copies[0].http
      .post('/v1/api-keys')
      .set({ ...adminAuth, 'X-Tenant-ID': tenantId })
      .send({ name: 'cache test', scopes })
      .expect(201);
    return { id: response.body.id, key: response.body.key };
  }

  const settingsOn = (copy: 0 | 1, headers: Record<string, string>) => () =>
    copies[copy].http.get('/v1/settings').set(headers);

  it('serves a known key from the cache: a change behind its back is not seen for the TTL', async () => {
    // The control: proves copy 1 caches, so the refusals below come from the invalidation.
    const tenant = await createTenant(copies[0].http);
    const { id, key } = await newKey(tenant.id, ['settings:read']);
    await settingsOn(1, { 'X-API-Key': key })().expect(200);
    // Straight in PostgreSQL, so no copy hears of it (RLS: in the tenant's scope).
    const sql = await connectAs('owner');
    try {
      await sql.query('BEGIN');
      await sql.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
      const revoked = await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
      await sql.query('COMMIT');
      expect(revoked.rowCount).toBe(1);
    } finally {
      await sql.end();
    }
    await delay(WINDOW_MS);
    await settingsOn(1, { 'X-API-Key': key })().expect(200);
    // Without a cache the same key is refused at once: copy 0 never cached it.
    await settingsOn(0, { 'X-API-Key': key })().expect(401);
  });

  it('refuses a key revoked on copy 0 on copy 1 within a second', async () => {
    const tenant = await createTenant(copies[0].http);
    const { id, key } = await newKey(tenant.id, ['settings:read']);
    const other = await newKey(tenant.id, ['settings:read']);
    for (let i = 0; i < 3; i++) await settingsOn(1, { 'X-API-Key': key })().expect(200);
    await copies[0].http
      .delete(`/v1/api-keys/${id}`)
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(204);
    const refused = await statusWithinWindow(settingsOn(1, { 'X-API-Key': key }), 401);
    expect(refused.status).toBe(401);
    // The tenant's other key goes on working (looked up again, then cached again).
    await settingsOn(1, { 'X-API-Key': other.key })().expect(200);
  });

  it('refuses a suspended tenant on copy 1 within a second, and serves it again once active', async () => {
    const tenant = await createTenant(copies[0].http);
    const { key } = await newKey(tenant.id, ['settings:read']);
    const owner = bearer(tenantToken(tenant.id));
    await settingsOn(1, { 'X-API-Key': key })().expect(200);
    await settingsOn(1, owner)().expect(200);
    await copies[0].http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    expect((await statusWithinWindow(settingsOn(1, { 'X-API-Key': key }), 403)).status).toBe(403);
    expect((await statusWithinWindow(settingsOn(1, owner), 403)).status).toBe(403);
    await copies[0].http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ status: 'active' })
      .expect(200);
    expect((await statusWithinWindow(settingsOn(1, { 'X-API-Key': key }), 200)).status).toBe(200);
  });

  it('refuses a deleted tenant on copy 1 within a second', async () => {
    const tenant = await createTenant(copies[0].http);
    const { key } = await newKey(tenant.id, ['settings:read']);
    await settingsOn(1, { 'X-API-Key': key })().expect(200);
    await copies[0].http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    expect((await statusWithinWindow(settingsOn(1, { 'X-API-Key': key }), 403)).status).toBe(403);
  });

  it('refuses a removed user and narrows a demoted one on copy 1 within a second', async () => {
    const tenant = await createTenant(copies[0].http);
    const asOwner = bearer(tenantToken(tenant.id));
    const addUser = async (role: string) =>
      (
        await copies[0].http
          .post('/v1/users')
          .set(asOwner)
          .send({ email: `${role}-${Date.now()}@cache.example`, role })
          .expect(201)
      ).body.id as string;
    const removedId = await addUser('analyst');
    const demotedId = await addUser('admin');
    const removed = bearer(tenantToken(tenant.id, { claims: { sub: removedId, role: 'analyst' } }));
    const demoted = bearer(tenantToken(tenant.id, { claims: { sub: demotedId, role: 'admin' } }));
    const listUsers = () => copies[1].http.get('/v1/users').set(demoted);
    await settingsOn(1, removed)().expect(200);
    await listUsers().expect(200);

    await copies[0].http.delete(`/v1/users/${removedId}`).set(asOwner).expect(204);
    expect((await statusWithinWindow(settingsOn(1, removed), 401)).status).toBe(401);

    await copies[0].http
      .patch(`/v1/users/${demotedId}`)
      .set(asOwner)
      .send({ role: 'viewer' })
      .expect(200);
    // users:read is the admin's, not the viewer's: the token's role is narrowed to today's.
    expect((await statusWithinWindow(listUsers, 403)).status).toBe(403);
    await settingsOn(1, demoted)().expect(200);
  });
});
