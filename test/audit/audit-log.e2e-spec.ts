import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

interface Entry {
  action: string;
  actor_type: string;
  actor_id: string | null;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

describe('audit log', () => {
  let t: TestApp;
  let sql: Client;
  let tenant: { id: string; slug: string; ownerId: string };
  let owner: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
    tenant = await createTenant(t.http);
    owner = bearer(tenantToken(tenant.id));
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  const entries = async (query: Record<string, string> = {}): Promise<Entry[]> =>
    (
      await t.http
        .get('/v1/audit-log')
        .query({ limit: '100', ...query })
        .set(owner)
        .expect(200)
    ).body.data;

  it('records the tenant creation by the platform admin, and the owner it got', async () => {
    const log = await entries();
    expect(log).toContainEqual(
      expect.objectContaining({
        action: 'tenant.created',
        actor_type: 'platform_admin',
        resource_id: tenant.id,
      }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({ action: 'user.created', resource_id: tenant.ownerId }),
    );
  });

  it('records a settings change with the user, IP and user agent, newest first', async () => {
    await t.http
      .patch('/v1/settings')
      .set(owner)
      .set('User-Agent', 'audit-test/1.0')
      .send({ timezone: 'Asia/Tokyo' })
      .expect(200);
    const [latest] = await entries();
    expect(latest).toMatchObject({
      action: 'settings.updated',
      actor_type: 'user',
      actor_id: tenant.ownerId,
      details: { timezone: 'Asia/Tokyo' },
      user_agent: 'audit-test/1.0',
    });
    expect(latest.ip).toMatch(/127\.0\.0\.1/);
  });

  it('records users, API keys and logins without secrets', async () => {
    const user = await t.http
      .post('/v1/users')
      .set(owner)
      .send({ email: 'audited@a.example', role: 'admin', password: 'a very secret passphrase' })
      .expect(201);
    const key = await t.http
      .post('/v1/api-keys')
      .set(owner)
      .send({ name: 'audited', scopes: ['settings:read'] })
      .expect(201);
    await t.http.delete(`/v1/api-keys/${key.body.id}`).set(owner).expect(204);
    await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email: 'audited@a.example', password: 'wrong one' })
      .expect(401);
    await t.http
      .post('/auth/login')
      .send({
        tenant: tenant.slug,
        email: 'audited@a.example',
        password: 'a very secret passphrase',
      })
      .expect(200);

    const log = await entries();
    const actions = log.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'user.created',
        'api_key.created',
        'api_key.revoked',
        'login.failed',
        'login.succeeded',
      ]),
    );
    expect(log.find((e) => e.action === 'login.failed')).toMatchObject({
      actor_type: 'anonymous',
      resource_id: user.body.id,
      details: { reason: 'wrong_password' },
    });
    expect(log.find((e) => e.action === 'login.succeeded')).toMatchObject({
      actor_type: 'user',
      actor_id: user.body.id,
    });
    const text = JSON.stringify(log);
    expect(text).not.toContain('a very secret passphrase');
    expect(text).not.toContain(key.body.key);
  });

  it('writes nothing for a change that was refused', async () => {
    const before = (await entries({ action: 'user.updated' })).length;
    await t.http
      .patch(`/v1/users/${tenant.ownerId}`)
      .set(owner)
      .send({ role: 'viewer' })
      .expect(409);
    expect((await entries({ action: 'user.updated' })).length).toBe(before);
  });

  it('filters by action, actor and time, and refuses bad filters naming them', async () => {
    const byActor = await entries({ actor_id: tenant.ownerId });
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.actor_id === tenant.ownerId)).toBe(true);
    expect(await entries({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    for (const [param, value] of [
      ['from', 'yesterday'],
      ['action', 'DROP TABLE'],
      ['actor_id', "x' OR 1=1"],
      ['limit', '0'],
    ]) {
      const response = await t.http
        .get('/v1/audit-log')
        .query({ [param]: value })
        .set(owner)
        .expect(400);
      expect(response.body.errors[0].field).toBe(param);
    }
  });

  it('shows each tenant only its own entries, and needs audit:read', async () => {
    const other = await createTenant(t.http);
    const theirs = (
      await t.http
        .get('/v1/audit-log')
        .set(bearer(tenantToken(other.id)))
        .expect(200)
    ).body.data as Entry[];
    expect(theirs.map((e) => e.resource_id)).not.toContain(tenant.id);
    await t.http
      .get('/v1/audit-log')
      .set(bearer(tenantToken(tenant.id, { claims: { role: 'analyst' } })))
      .expect(403);
  });

  it('at the SQL level, tenant A can neither read nor write tenant B entries', async () => {
    const other = await createTenant(t.http);
    await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM audit_log');
      expect(rows).toEqual([{ tenant_id: tenant.id }]);
      const theirs = await sql.query(
        'SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1',
        [other.id],
      );
      expect(theirs.rows[0].n).toBe(0);
      expect(
        await sqlState(
          sql,
          "INSERT INTO audit_log (tenant_id, actor_type, action, resource_type) VALUES ($1, 'anonymous', 'forged', 'x')",
          [other.id],
        ),
      ).toBe('42501');
    });
  });

  it('is append-only for the app role: UPDATE and DELETE are refused at the SQL level', async () => {
    await asTenant(sql, tenant.id, async () => {
      expect(await sqlState(sql, "UPDATE audit_log SET action = 'tampered'")).toBe('42501');
      expect(await sqlState(sql, 'DELETE FROM audit_log')).toBe('42501');
      expect(await sqlState(sql, 'TRUNCATE audit_log')).toBe('42501');
      const { rows } = await sql.query(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'tampered'",
      );
      expect(rows[0].n).toBe(0);
    });
  });
});
