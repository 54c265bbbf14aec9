import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

describe('/v1/api-keys', () => {
  let t: TestApp;
  let sql: Client;
  let tenantA: string;
  let tenantB: string;
  let ownerA: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    ownerA = bearer(tenantToken(tenantA));
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  const createKey = async (scopes: string[], auth = ownerA) =>
    (await t.http.post('/v1/api-keys').set(auth).send({ name: 'ingest', scopes }).expect(201))
      .body as {
      id: string;
      key: string;
      prefix: string;
    };

  it('shows the key once, lists it without the secret, and stores only its SHA-256', async () => {
    const created = await createKey(['settings:read']);
    expect(created.key).toMatch(/^tk_[0-9a-f]{40}_[\w-]{43}$/);
    expect(created.key.slice(3, 43)).toBe(created.prefix);
    expect(created.prefix.startsWith(tenantA.replace(/-/g, ''))).toBe(true);
    const list = await t.http.get('/v1/api-keys').set(ownerA).expect(200);
    const listed = list.body.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({
      name: 'ingest',
      prefix: created.prefix,
      scopes: ['settings:read'],
      last_used_at: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.key.slice(44));
    const stored = await asTenant(sql, tenantA, async () => {
      const { rows } = await sql.query('SELECT secret_hash FROM api_keys WHERE id = $1', [
        created.id,
      ]);
      return rows[0].secret_hash as string;
    });
    expect(stored).toBe(createHash('sha256').update(created.key).digest('hex'));
  });

  it('authenticates as Authorization: Bearer and as X-API-Key, acting for its tenant with its scopes only', async () => {
    const { key } = await createKey(['settings:read']);
    const viaBearer = await t.http.get('/v1/settings').set(bearer(key)).expect(200);
    expect(viaBearer.body.tenant_id).toBe(tenantA);
    await t.http.get('/v1/settings').set('X-API-Key', key).expect(200);
    const write = await t.http
      .patch('/v1/settings')
      .set('X-API-Key', key)
      .send({ locale: 'fr' })
      .expect(403);
    expect(write.body.message).toBe('Missing permission: settings:write');
    const me = await t.http.get('/auth/me').set('X-API-Key', key).expect(200);
    expect(me.body).toMatchObject({
      credential: 'api_key',
      permissions: ['settings:read'],
      user: null,
    });
    const used = await t.http.get('/v1/api-keys').set(ownerA).expect(200);
    expect(
      used.body.find((k: { key?: string; prefix: string }) => key.includes(k.prefix)).last_used_at,
    ).not.toBeNull();
  });

  it('stops working at once when revoked, and disappears from the list', async () => {
    const { id, key } = await createKey(['settings:read']);
    await t.http.get('/v1/settings').set(bearer(key)).expect(200);
    await t.http.delete(`/v1/api-keys/${id}`).set(ownerA).expect(204);
    const refused = await t.http.get('/v1/settings').set(bearer(key)).expect(401);
    expect(refused.body.message).toBe('Invalid or revoked API key');
    const list = await t.http.get('/v1/api-keys').set(ownerA).expect(200);
    expect(list.body.map((k: { id: string }) => k.id)).not.toContain(id);
  });

  it("answers 404 to revoking another tenant's key, which keeps working", async () => {
    const other = await createKey(['settings:read'], bearer(tenantToken(tenantB)));
    await t.http.delete(`/v1/api-keys/${other.id}`).set(ownerA).expect(404);
    await t.http.get('/v1/settings').set(bearer(other.key)).expect(200);
  });

  it('refuses a key of a suspended tenant (403), a tampered key and a key on /admin', async () => {
    const suspended = await createTenant(t.http);
    const { key } = await createKey(['settings:read'], bearer(tenantToken(suspended.id)));
    await t.http
      .patch(`/admin/tenants/${suspended.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    await t.http.get('/v1/settings').set(bearer(key)).expect(403);

    const { key: good } = await createKey(['settings:read']);
    const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    await t.http.get('/v1/settings').set(bearer(tampered)).expect(401);
    await t.http
      .get('/v1/settings')
      .set(bearer(`tk_${'0'.repeat(12)}_${'a'.repeat(43)}`))
      .expect(401);
    await t.http.get('/admin/tenants').set(bearer(good)).expect(403);
    await t.http
      .get('/v1/settings')
      .set({ ...bearer(good), 'X-Tenant-ID': tenantB })
      .expect(403);
  });

  it.each([
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['root'] }, 'scopes'],
    [{ name: 'x', scopes: ['settings:read', 'settings:read'] }, 'scopes'],
    [{ name: 'x', scopes: 'settings:read' }, 'scopes'],
    [{ name: '', scopes: ['settings:read'] }, 'name'],
    [{ name: 'x'.repeat(101), scopes: ['settings:read'] }, 'name'],
    [{ name: 'x', scopes: ['settings:read'], tenant_id: 'x' }, 'tenant_id'],
  ])('refuses %p with 400 naming %s', async (body, field) => {
    const response = await t.http.post('/v1/api-keys').set(ownerA).send(body).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('needs api_keys:write to create and api_keys:read to list', async () => {
    const analyst = bearer(tenantToken(tenantA, { claims: { role: 'analyst' } }));
    await t.http
      .post('/v1/api-keys')
      .set(analyst)
      .send({ name: 'x', scopes: ['events:write'] })
      .expect(403);
    await t.http.get('/v1/api-keys').set(analyst).expect(403);
  });

  it('never mints a key with more than its creator holds', async () => {
    const keyMaker = await createKey(['api_keys:write']);
    const refused = await t.http
      .post('/v1/api-keys')
      .set('X-API-Key', keyMaker.key)
      .send({ name: 'escalation', scopes: ['api_keys:write', 'users:write'] })
      .expect(403);
    expect(refused.body.errors).toEqual([
      { field: 'scopes', message: 'scopes beyond your own: users:write' },
    ]);
    // Within its own scopes it may.
    await createKey(['api_keys:write'], { 'X-API-Key': keyMaker.key } as never);
    const keys = await t.http.get('/v1/api-keys').set(ownerA).expect(200);
    expect(keys.body.map((k: { name: string }) => k.name)).not.toContain('escalation');
  });

  it('names the missing permissions of a refused key and audits the refusal', async () => {
    const keyMaker = await createKey(['api_keys:write', 'settings:read']);
    const refused = await t.http
      .post('/v1/api-keys')
      .set('X-API-Key', keyMaker.key)
      .send({ name: 'audit me', scopes: ['settings:read', 'audit:read', 'users:write'] })
      .expect(403);
    expect(refused.body.missing_permissions).toEqual(['audit:read', 'users:write']);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'permission_grant.refused' })
      .set(ownerA)
      .expect(200);
    expect(log.body.data[0]).toMatchObject({
      actor_type: 'api_key',
      actor_id: keyMaker.id,
      resource_type: 'api_key',
      details: {
        field: 'scopes',
        requested: ['settings:read', 'audit:read', 'users:write'],
        missing_permissions: ['audit:read', 'users:write'],
        route: '/v1/api-keys',
      },
    });
  });

  it('at the SQL level, tenant A can neither read nor write tenant B keys', async () => {
    await createKey(['settings:read'], bearer(tenantToken(tenantB)));
    await asTenant(sql, tenantA, async () => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM api_keys');
      expect(rows).toEqual([{ tenant_id: tenantA }]);
      const revoked = await sql.query(
        'UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1',
        [tenantB],
      );
      expect(revoked.rowCount).toBe(0);
      expect(
        await sqlState(
          sql,
          "INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes) VALUES ($1, 'forged', 'p', repeat('0', 64), '{settings:read}')",
          [tenantB],
        ),
      ).toBe('42501');
    });
  });
});
