import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { asTenant, connectAs } from '../support/sql';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

interface Entry {
  action: string;
  actor_type: string;
  actor_id: string | null;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown>;
  cross_tenant_attempt: boolean;
}

/**
 * DESIGN.md, isolation rule 6: another tenant's resource answers 404 exactly like a missing one,
 * and the attempt lands in the audit log of the tenant whose resource was targeted.
 */
const scraper = { Authorization: `Bearer ${TEST_METRICS_TOKEN}` };

describe('cross-tenant attempts', () => {
  let t: TestApp;
  let sql: Client;
  let caller: { id: string; ownerId: string };
  let target: { id: string; ownerId: string };
  let callerAuth: { Authorization: string };
  let targetAuth: { Authorization: string };
  let targetUserId: string;
  let targetKeyId: string;

  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
    caller = await createTenant(t.http);
    target = await createTenant(t.http);
    callerAuth = bearer(tenantToken(caller.id));
    targetAuth = bearer(tenantToken(target.id));
    targetUserId = (
      await t.http
        .post('/v1/users')
        .set(targetAuth)
        .send({
          email: 'analyst@target.example',
          role: 'analyst',
          password: 'long enough passphrase',
        })
        .expect(201)
    ).body.id;
    targetKeyId = (
      await t.http
        .post('/v1/api-keys')
        .set(targetAuth)
        .send({ name: 'ingest', scopes: ['events:write'] })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  const auditOf = async (auth: { Authorization: string }): Promise<Entry[]> =>
    (
      await t.http
        .get('/v1/audit-log')
        .query({ limit: '100', action: 'cross_tenant_attempt' })
        .set(auth)
        .expect(200)
    ).body.data;

  it('answers 404 with the same body as for an id that exists nowhere', async () => {
    const missing = randomUUID();
    const foreign = await t.http.get(`/v1/users/${targetUserId}`).set(callerAuth).expect(404);
    const absent = await t.http.get(`/v1/users/${missing}`).set(callerAuth).expect(404);
    const strip = (body: Record<string, unknown>, id: string) =>
      JSON.stringify({ ...body, requestId: undefined }).replace(id, '<id>');
    expect(strip(foreign.body, targetUserId)).toBe(strip(absent.body, missing));
  });

  it("records reads, updates and deletes of another tenant's user and API key in the target's log, not the caller's", async () => {
    const before = (await auditOf(targetAuth)).length;
    await t.http.get(`/v1/users/${targetUserId}`).set(callerAuth).expect(404);
    await t.http
      .patch(`/v1/users/${targetUserId}`)
      .set(callerAuth)
      .send({ role: 'owner' })
      .expect(404);
    await t.http.delete(`/v1/users/${targetUserId}`).set(callerAuth).expect(404);
    await t.http.delete(`/v1/api-keys/${targetKeyId}`).set(callerAuth).expect(404);

    const after = await auditOf(targetAuth);
    const attempts = after.slice(0, after.length - before);
    expect(attempts).toHaveLength(4);
    for (const entry of attempts) {
      expect(entry).toMatchObject({
        action: 'cross_tenant_attempt',
        cross_tenant_attempt: true,
        actor_type: 'user',
        actor_id: caller.ownerId,
        details: expect.objectContaining({ caller_tenant_id: caller.id }),
      });
    }
    expect(
      attempts.map((entry) => `${String(entry.details.method)} ${entry.resource_type}`).sort(),
    ).toEqual(['DELETE api_key', 'DELETE user', 'GET user', 'PATCH user']);
    expect(attempts.find((entry) => entry.resource_type === 'api_key')?.resource_id).toBe(
      targetKeyId,
    );
    expect(attempts.find((entry) => entry.details.method === 'PATCH')?.details.route).toBe(
      '/v1/users/:id',
    );
    // Nothing about it in the caller's own log, and the target's resources are untouched.
    expect(await auditOf(callerAuth)).toEqual([]);
    const user = await t.http.get(`/v1/users/${targetUserId}`).set(targetAuth).expect(200);
    expect(user.body.role).toBe('analyst');
    const keys = await t.http.get('/v1/api-keys').set(targetAuth).expect(200);
    expect(keys.body.map((key: { id: string }) => key.id)).toContain(targetKeyId);
  });

  it('records an API key caller as the actor', async () => {
    const key = await t.http
      .post('/v1/api-keys')
      .set(callerAuth)
      .send({ name: 'admin', scopes: ['api_keys:write'] })
      .expect(201);
    await t.http.delete(`/v1/api-keys/${targetKeyId}`).set('X-API-Key', key.body.key).expect(404);
    const [latest] = await auditOf(targetAuth);
    expect(latest).toMatchObject({ actor_type: 'api_key', actor_id: key.body.id });
  });

  it('writes nothing anywhere for an id no tenant has, or for an id of the caller itself', async () => {
    const count = async () =>
      (await auditOf(targetAuth)).length + (await auditOf(callerAuth)).length;
    const before = await count();
    await t.http.get(`/v1/users/${randomUUID()}`).set(callerAuth).expect(404);
    await t.http.delete(`/v1/api-keys/${randomUUID()}`).set(callerAuth).expect(404);
    const ownKey = await t.http
      .post('/v1/api-keys')
      .set(callerAuth)
      .send({ name: 'short-lived', scopes: ['events:write'] })
      .expect(201);
    await t.http.delete(`/v1/api-keys/${ownKey.body.id}`).set(callerAuth).expect(204);
    // Revoked already: a 404 on the caller's own key is not an attempt on anyone else.
    await t.http.delete(`/v1/api-keys/${ownKey.body.id}`).set(callerAuth).expect(404);
    expect(await count()).toBe(before);
  });

  it('counts attempts in /metrics', async () => {
    const read = async () => {
      const text = (await t.http.get('/metrics').set(scraper).expect(200)).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('tenantry_cross_tenant_attempts_total{'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await read();
    await t.http.get(`/v1/users/${targetUserId}`).set(callerAuth).expect(404);
    expect(await read()).toBe(before + 1);
  });

  it('records at most 30 attempts per calling tenant per minute, counting the rest', async () => {
    const prober = await createTenant(t.http);
    const proberAuth = bearer(tenantToken(prober.id));
    const suppressed = async () => {
      const text = (await t.http.get('/metrics').set(scraper).expect(200)).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('tenantry_cross_tenant_checks_suppressed_total'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = { log: (await auditOf(targetAuth)).length, suppressed: await suppressed() };
    for (let i = 0; i < 70; i++) {
      await t.http.get(`/v1/users/${targetUserId}`).set(proberAuth).expect(404);
    }
    const recorded = (await auditOf(targetAuth)).length - before.log;
    const skipped = (await suppressed()) - before.suppressed;
    // Two one-minute windows at most, if the minute turned during the loop.
    expect(recorded).toBeLessThanOrEqual(60);
    expect(recorded).toBeGreaterThanOrEqual(30);
    expect(recorded + skipped).toBe(70);
  });

  it('leaves the app role unable to read another tenant, even with the platform-read switch on', async () => {
    const seen = await asTenant(sql, caller.id, async () => {
      await sql.query("SELECT set_config('tenantry.platform_read', 'on', true)");
      const users = await sql.query('SELECT id FROM users WHERE id = $1', [targetUserId]);
      const audit = await sql.query('SELECT id FROM audit_log WHERE tenant_id = $1', [target.id]);
      return users.rowCount! + audit.rowCount!;
    });
    expect(seen).toBe(0);
  });

  it('cannot be steered by a temporary table the app role creates to shadow users', async () => {
    const planted = randomUUID();
    const recorded = await asTenant(sql, caller.id, async () => {
      // Under search_path "pg_catalog, public", pg_temp would be searched first for relations.
      await sql.query('CREATE TEMP TABLE users (tenant_id uuid, id uuid) ON COMMIT DROP');
      await sql.query('INSERT INTO pg_temp.users VALUES ($1, $2)', [target.id, planted]);
      const { rows } = await sql.query(
        "SELECT record_cross_tenant_attempt('user', $1, 'user', NULL, NULL, NULL, '{}') AS recorded",
        [planted],
      );
      return rows[0].recorded as boolean;
    });
    expect(recorded).toBe(false);
  });

  it('keeps the caller tenant set after the function wrote into the target', async () => {
    const tenantAfter = await asTenant(sql, caller.id, async () => {
      const { rows } = await sql.query(
        `SELECT record_cross_tenant_attempt('user', $1, 'user', NULL, NULL, NULL, '{}') AS recorded,
                current_setting('app.tenant_id') AS tenant,
                current_setting('tenantry.platform_read', true) AS platform_read`,
        [targetUserId],
      );
      return rows[0];
    });
    expect(tenantAfter).toEqual({ recorded: true, tenant: caller.id, platform_read: '' });
  });
});
