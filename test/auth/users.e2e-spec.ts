import type { Client } from 'pg';
import { ROLE_PERMISSIONS } from '../../src/auth/permissions';
import { asTenant, connectAs, sqlState } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const asAdminOf = (tenantId: string) => ({ ...adminAuth, 'X-Tenant-ID': tenantId });

describe('/v1/users', () => {
  let t: TestApp;
  let sql: Client;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  const addUser = async (tenantId: string, body: Record<string, unknown>) =>
    t.http.post('/v1/users').set(asAdminOf(tenantId)).send(body);

  it('creates a user, stores only an argon2id hash, and never shows it', async () => {
    const response = await addUser(tenantA, {
      email: 'Ana@Acme.example',
      role: 'admin',
      password: 'correct horse battery',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      email: 'Ana@Acme.example',
      role: 'admin',
      status: 'active',
      last_login_at: null,
    });
    expect(JSON.stringify(response.body)).not.toMatch(/argon|password/);
    const hash = await asTenant(sql, tenantA, async () => {
      const { rows } = await sql.query('SELECT password_hash FROM users WHERE id = $1', [
        response.body.id,
      ]);
      return rows[0].password_hash as string;
    });
    expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(hash).not.toContain('correct horse battery');
  });

  it('refuses a second user with the same email in any letter case (409 naming email), but allows it in another tenant', async () => {
    await addUser(tenantA, { email: 'dup@acme.example', role: 'viewer' });
    const again = await addUser(tenantA, { email: 'DUP@acme.example', role: 'viewer' });
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual([
      { field: 'email', message: 'email is already used in this tenant' },
    ]);
    expect((await addUser(tenantB, { email: 'dup@acme.example', role: 'viewer' })).status).toBe(
      201,
    );
  });

  it('lists only the calling tenant users, paginated and filtered', async () => {
    await addUser(tenantB, { email: 'only-b@b.example', role: 'analyst' });
    const page = await t.http
      .get('/v1/users')
      .query({ role: 'analyst' })
      .set(asAdminOf(tenantB))
      .expect(200);
    expect(page.body.data.map((u: { email: string }) => u.email)).toEqual(['only-b@b.example']);
    const a = await t.http
      .get('/v1/users')
      .query({ limit: 100 })
      .set(asAdminOf(tenantA))
      .expect(200);
    expect(a.body.data.map((u: { email: string }) => u.email)).not.toContain('only-b@b.example');
  });

  it("answers 404 for another tenant's user on read, change and delete, and leaves it untouched", async () => {
    const b = (await addUser(tenantB, { email: 'target@b.example', role: 'admin' })).body
      .id as string;
    await t.http.get(`/v1/users/${b}`).set(asAdminOf(tenantA)).expect(404);
    await t.http
      .patch(`/v1/users/${b}`)
      .set(asAdminOf(tenantA))
      .send({ status: 'disabled' })
      .expect(404);
    await t.http.delete(`/v1/users/${b}`).set(asAdminOf(tenantA)).expect(404);
    const still = await t.http.get(`/v1/users/${b}`).set(asAdminOf(tenantB)).expect(200);
    expect(still.body).toMatchObject({ status: 'active', role: 'admin' });
  });

  it('keeps at least one active owner', async () => {
    const { id: tenant, ownerId: owner } = await createTenant(t.http);
    for (const change of [{ role: 'admin' }, { status: 'disabled' }]) {
      const response = await t.http
        .patch(`/v1/users/${owner}`)
        .set(asAdminOf(tenant))
        .send(change)
        .expect(409);
      expect(response.body.message).toBe('A tenant must keep at least one active owner');
    }
    await t.http.delete(`/v1/users/${owner}`).set(asAdminOf(tenant)).expect(409);

    const second = (await addUser(tenant, { email: 'second@c.example', role: 'owner' })).body
      .id as string;
    await t.http
      .patch(`/v1/users/${owner}`)
      .set(asAdminOf(tenant))
      .send({ role: 'admin' })
      .expect(200);
    await t.http.delete(`/v1/users/${second}`).set(asAdminOf(tenant)).expect(409);
    await t.http
      .patch(`/v1/users/${owner}`)
      .set(asAdminOf(tenant))
      .send({ role: 'owner' })
      .expect(200);
    await t.http.delete(`/v1/users/${second}`).set(asAdminOf(tenant)).expect(204);
    await t.http.get(`/v1/users/${second}`).set(asAdminOf(tenant)).expect(404);
  });

  it('needs users:read to list and users:write to change', async () => {
    await t.http
      .get('/v1/users')
      .set(bearer(tenantToken(tenantA, { claims: { role: 'viewer' } })))
      .expect(403);
    await t.http
      .get('/v1/users')
      .set(bearer(tenantToken(tenantA, { claims: { role: 'admin' } })))
      .expect(200);
    await t.http
      .post('/v1/users')
      .set(bearer(tenantToken(tenantA, { claims: { role: 'analyst' } })))
      .send({ email: 'x@a.example', role: 'viewer' })
      .expect(403);
  });

  it.each([
    [{ email: 'not-an-email', role: 'viewer' }, 'email'],
    [{ email: `${'a'.repeat(250)}@a.example`, role: 'viewer' }, 'email'],
    [{ email: 'ok@a.example', role: 'root' }, 'role'],
    [{ email: 'ok@a.example', role: 'viewer', password: 'short' }, 'password'],
    [
      { email: 'ok@a.example', role: 'viewer', tenant_id: '00000000-0000-4000-8000-000000000001' },
      'tenant_id',
    ],
    [{ email: 42, role: 'viewer' }, 'email'],
  ])('refuses %p with 400 naming %s, storing nothing', async (body, field) => {
    const response = await addUser(tenantA, body);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    const all = await t.http
      .get('/v1/users')
      .query({ limit: 100 })
      .set(asAdminOf(tenantA))
      .expect(200);
    expect(all.body.data.map((u: { email: string }) => u.email)).not.toContain('ok@a.example');
  });

  it("narrows a demoted user's unexpired token at once; a promotion waits for the next token", async () => {
    const created = await addUser(tenantA, {
      email: 'demoted@acme.example',
      role: 'admin',
      password: 'demoted admin passphrase',
    });
    expect(created.status).toBe(201);
    const tenantSlug = (await t.http.get('/auth/me').set(asAdminOf(tenantA)).expect(200)).body
      .tenant.slug;
    const login = await t.http
      .post('/auth/login')
      .send({
        tenant: tenantSlug,
        email: 'demoted@acme.example',
        password: 'demoted admin passphrase',
      })
      .expect(200);
    const token = bearer(login.body.access_token);
    await t.http.get('/v1/users').set(token).expect(200);

    await t.http
      .patch(`/v1/users/${created.body.id}`)
      .set(asAdminOf(tenantA))
      .send({ role: 'viewer' })
      .expect(200);
    const refused = await t.http.get('/v1/users').set(token).expect(403);
    expect(refused.body.message).toMatch(/viewer.*users:read/);
    await t.http.get('/v1/settings').set(token).expect(200);

    // Back to admin: the old token still carries admin, and now the role grants it again.
    await t.http
      .patch(`/v1/users/${created.body.id}`)
      .set(asAdminOf(tenantA))
      .send({ role: 'admin' })
      .expect(200);
    await t.http.get('/v1/users').set(token).expect(200);
  });

  it('keeps the owner role to owners: admins and API keys cannot grant, change or remove it', async () => {
    const tenant = await createTenant(t.http);
    const admin = await addUser(tenant.id, {
      email: 'boss@acme.example',
      role: 'admin',
      password: 'admin passphrase here',
    });
    const login = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email: 'boss@acme.example', password: 'admin passphrase here' })
      .expect(200);
    const asAdmin = bearer(login.body.access_token);
    const key = await t.http
      .post('/v1/api-keys')
      .set(asAdminOf(tenant.id))
      .send({
        name: 'user admin',
        scopes: ['users:write', 'users:read', ...ROLE_PERMISSIONS.analyst],
      })
      .expect(201);
    for (const caller of [asAdmin, { 'X-API-Key': key.body.key }]) {
      await t.http
        .post('/v1/users')
        .set(caller)
        .send({ email: 'second-owner@acme.example', role: 'owner' })
        .expect(403);
      await t.http
        .patch(`/v1/users/${admin.body.id}`)
        .set(caller)
        .send({ role: 'owner' })
        .expect(403);
      await t.http
        .patch(`/v1/users/${tenant.ownerId}`)
        .set(caller)
        .send({ status: 'disabled' })
        .expect(403);
      await t.http.delete(`/v1/users/${tenant.ownerId}`).set(caller).expect(403);
      // Everyone below owner is theirs to manage.
      const analyst = await t.http
        .post('/v1/users')
        .set(caller)
        .send({ email: `analyst-${Math.random()}@acme.example`.slice(0, 60), role: 'analyst' })
        .expect(201);
      await t.http
        .patch(`/v1/users/${analyst.body.id}`)
        .set(caller)
        .send({ role: 'viewer' })
        .expect(200);
      await t.http.delete(`/v1/users/${analyst.body.id}`).set(caller).expect(204);
    }
    // The owner can promote the admin; the tenant then has two owners.
    await t.http
      .patch(`/v1/users/${admin.body.id}`)
      .set(bearer(tenantToken(tenant.id)))
      .send({ role: 'owner' })
      .expect(200);
    const owners = await t.http
      .get('/v1/users')
      .query({ role: 'owner' })
      .set(asAdminOf(tenant.id))
      .expect(200);
    expect(owners.body.total).toBe(2);
  });

  describe('a caller grants only what it holds (finding 4: role escalation through users:write)', () => {
    let tenant: { id: string; slug: string; ownerId: string };
    const owner = () => bearer(tenantToken(tenant.id));
    const keyWith = async (scopes: string[]) =>
      (
        await t.http
          .post('/v1/api-keys')
          .set(owner())
          .send({ name: `users key ${scopes.length}`, scopes })
          .expect(201)
      ).body.key as string;
    const emails = async () =>
      (await t.http.get('/v1/users').query({ limit: 100 }).set(owner()).expect(200)).body.data.map(
        (u: { email: string }) => u.email,
      ) as string[];
    const refusals = async () =>
      (
        await t.http
          .get('/v1/audit-log')
          .query({ action: 'permission_grant.refused', limit: 100 })
          .set(owner())
          .expect(200)
      ).body.data as {
        actor_type: string;
        actor_id: string;
        resource_type: string;
        resource_id: string | null;
        details: Record<string, unknown>;
      }[];

    beforeAll(async () => {
      tenant = await createTenant(t.http);
    });

    it('refuses an API key scoped users:write that creates an admin: 403 naming role and what it lacks, nothing stored, audited', async () => {
      const key = await keyWith(['users:write']);
      const refused = await t.http
        .post('/v1/users')
        .set('X-API-Key', key)
        .send({ email: 'escalated@acme.example', role: 'admin', password: 'i will be admin now' })
        .expect(403);
      const lacking = ROLE_PERMISSIONS.admin.filter((p) => p !== 'users:write');
      expect(refused.body).toMatchObject({
        statusCode: 403,
        error: 'Forbidden',
        missing_permissions: lacking,
      });
      expect(refused.body.errors).toEqual([
        { field: 'role', message: `role admin holds permissions you lack: ${lacking.join(', ')}` },
      ]);
      expect(refused.body.message).toContain('settings:write');
      expect(await emails()).not.toContain('escalated@acme.example');
      // The escalation would have been a login as admin: there is no such account.
      await t.http
        .post('/auth/login')
        .send({
          tenant: tenant.slug,
          email: 'escalated@acme.example',
          password: 'i will be admin now',
        })
        .expect(401);
      const [entry] = await refusals();
      expect(entry).toMatchObject({
        actor_type: 'api_key',
        resource_type: 'user',
        resource_id: null,
        details: {
          field: 'role',
          requested: 'admin',
          missing_permissions: lacking,
          method: 'POST',
          route: '/v1/users',
        },
      });
    });

    it("lets a key holding a role's permissions grant it, and nothing stronger (create and change)", async () => {
      const key = await keyWith(['users:write', ...ROLE_PERMISSIONS.viewer]);
      const viewer = await t.http
        .post('/v1/users')
        .set('X-API-Key', key)
        .send({ email: 'fine-viewer@acme.example', role: 'viewer' })
        .expect(201);
      const analyst = await t.http
        .post('/v1/users')
        .set('X-API-Key', key)
        .send({ email: 'no-analyst@acme.example', role: 'analyst' })
        .expect(403);
      expect(analyst.body.missing_permissions).toEqual(['events:write', 'dashboards:write']);
      const promote = await t.http
        .patch(`/v1/users/${viewer.body.id}`)
        .set('X-API-Key', key)
        .send({ role: 'admin' })
        .expect(403);
      expect(promote.body.errors[0].field).toBe('role');
      const still = await t.http.get(`/v1/users/${viewer.body.id}`).set(owner()).expect(200);
      expect(still.body.role).toBe('viewer');
      expect(await emails()).not.toContain('no-analyst@acme.example');
      const audited = await refusals();
      expect(audited.map((e) => [e.details.field, e.details.requested, e.resource_id])).toEqual(
        expect.arrayContaining([
          ['role', 'analyst', null],
          ['role', 'admin', viewer.body.id],
        ]),
      );
    });

    it('refuses changing, re-enabling or removing a user whose role holds more than the caller', async () => {
      const admin = await t.http
        .post('/v1/users')
        .set(owner())
        .send({ email: 'strong-admin@acme.example', role: 'admin' })
        .expect(201);
      const key = await keyWith(['users:write', ...ROLE_PERMISSIONS.analyst]);
      for (const change of [{ status: 'disabled' }, { role: 'viewer' }]) {
        const refused = await t.http
          .patch(`/v1/users/${admin.body.id}`)
          .set('X-API-Key', key)
          .send(change)
          .expect(403);
        expect(refused.body.errors[0].field).toBe('id');
        expect(refused.body.missing_permissions).toContain('users:read');
      }
      await t.http.delete(`/v1/users/${admin.body.id}`).set('X-API-Key', key).expect(403);
      const still = await t.http.get(`/v1/users/${admin.body.id}`).set(owner()).expect(200);
      expect(still.body).toMatchObject({ role: 'admin', status: 'active' });
    });

    it('still lets an admin create an admin: equal permissions are within its own', async () => {
      const admin = bearer(tenantToken(tenant.id, { claims: { role: 'admin' } }));
      await t.http
        .post('/v1/users')
        .set(admin)
        .send({ email: 'admin-made-admin@acme.example', role: 'admin' })
        .expect(201);
    });
  });

  it('answers 400 naming id for a malformed id and role/status for bad values', async () => {
    const bad = await t.http.get('/v1/users/nope').set(asAdminOf(tenantA)).expect(400);
    expect(bad.body.errors[0].field).toBe('id');
    const id = (await addUser(tenantA, { email: 'patchme@a.example', role: 'viewer' })).body
      .id as string;
    const role = await t.http
      .patch(`/v1/users/${id}`)
      .set(asAdminOf(tenantA))
      .send({ role: 'god' })
      .expect(400);
    expect(role.body.errors[0].field).toBe('role');
    const status = await t.http
      .patch(`/v1/users/${id}`)
      .set(asAdminOf(tenantA))
      .send({ status: 'gone' })
      .expect(400);
    expect(status.body.errors[0].field).toBe('status');
  });

  it('at the SQL level, tenant A can neither read nor write tenant B users', async () => {
    await asTenant(sql, tenantA, async () => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM users');
      expect(rows).toEqual([{ tenant_id: tenantA }]);
      expect(
        await sqlState(
          sql,
          "INSERT INTO users (tenant_id, email, role) VALUES ($1, 'forged@b.example', 'owner')",
          [tenantB],
        ),
      ).toBe('42501');
      const updated = await sql.query("UPDATE users SET role = 'viewer' WHERE tenant_id = $1", [
        tenantB,
      ]);
      expect(updated.rowCount).toBe(0);
      const deleted = await sql.query('DELETE FROM users WHERE tenant_id = $1', [tenantB]);
      expect(deleted.rowCount).toBe(0);
    });
  });
});
