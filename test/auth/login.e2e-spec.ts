import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { AuditService, type AuditRecord } from '../../src/audit/audit.service';
import { LOGIN_CLAIM_SECONDS } from '../../src/auth/token-policy';
import { asTenant, connectAs } from '../support/sql';
import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';
import { TEST_BASE_DOMAIN } from '../support/stack-env';

const PASSWORD = 'correct horse battery staple';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

describe('/auth login, refresh, logout, me', () => {
  let t: TestApp;
  let sql: Client;
  let tenant: { id: string; slug: string };
  let userId: string;
  const email = 'login@acme.example';

  beforeAll(async () => {
    t = await createTestApp();
    sql = await connectAs('app');
    // Growth: the tests below add more users than starter's five.
    tenant = await createTenant(t.http, { tier: 'growth' });
    const created = await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email, role: 'analyst', password: PASSWORD })
      .expect(201);
    userId = created.body.id;
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  /** The newest audit entry of each action, in the order asked. */
  const auditEntries = async (
    actions: string[],
  ): Promise<
    {
      actor_type: string;
      actor_id: string;
      resource_id: string;
      details: Record<string, unknown>;
    }[]
  > =>
    Promise.all(
      actions.map(async (action) => {
        const response = await t.http
          .get('/v1/audit-log')
          .query({ action, limit: '1' })
          .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
          .expect(200);
        return response.body.data[0];
      }),
    );

  const login = (body: Record<string, unknown>, host?: string) => {
    const call = t.http.post('/auth/login').send(body);
    return host ? call.set('Host', host) : call;
  };

  it('issues a 15-minute access token with sub, tenant_id, role, permissions, jti, and a refresh token', async () => {
    const response = await login({ tenant: tenant.slug, email, password: PASSWORD }).expect(200);
    expect(response.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      refresh_expires_in: 2592000,
    });
    const claims = claimsOf(response.body.access_token);
    expect(claims).toMatchObject({
      sub: userId,
      tenant_id: tenant.id,
      role: 'analyst',
      iss: 'tenantry',
      aud: 'tenantry-api',
    });
    expect(claims.permissions).toEqual(expect.arrayContaining(['analytics:read', 'settings:read']));
    expect(claims.permissions).not.toContain('users:write');
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(response.body.refresh_token).toMatch(/^rt_[0-9a-f]{32}_[\w-]{43}$/);

    const me = await t.http.get('/auth/me').set(bearer(response.body.access_token)).expect(200);
    expect(me.body).toMatchObject({
      tenant: { id: tenant.id, slug: tenant.slug },
      role: 'analyst',
      user: { id: userId, email },
    });
    await t.http.get('/v1/settings').set(bearer(response.body.access_token)).expect(200);
    await t.http.get('/v1/users').set(bearer(response.body.access_token)).expect(403);
  });

  it('finds the tenant from the Host subdomain and the email in any letter case', async () => {
    await login(
      { email: email.toUpperCase(), password: PASSWORD },
      `${tenant.slug}.${TEST_BASE_DOMAIN}`,
    ).expect(200);
  });

  it('gives the same answer for an unknown tenant, an unknown email and a wrong password', async () => {
    const answers = await Promise.all([
      login({ tenant: 'no-such-tenant', email, password: PASSWORD }),
      login({ tenant: tenant.slug, email: 'nobody@acme.example', password: PASSWORD }),
      login({ tenant: tenant.slug, email: 'other@acme.example', password: 'wrong password' }),
      login({ email, password: PASSWORD }),
    ]);
    for (const answer of answers) {
      expect({ status: answer.status, message: answer.body.message }).toEqual({
        status: 401,
        message: 'Invalid credentials',
      });
      // The whole body, headers aside from the request id, says nothing more.
      expect({ ...answer.body, requestId: undefined }).toEqual({
        ...answers[0].body,
        requestId: undefined,
      });
    }
  });

  it('checks at most five passwords of one account however many guesses arrive at once', async () => {
    const raceEmail = 'race@acme.example';
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email: raceEmail, role: 'viewer', password: PASSWORD })
      .expect(201);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        login({ tenant: tenant.slug, email: raceEmail, password: `guess number ${i}` }),
      ),
    );
    expect(guesses.every((guess) => guess.status === 401)).toBe(true);
    // The right password now finds the account locked.
    await login({ tenant: tenant.slug, email: raceEmail, password: PASSWORD }).expect(401);
    const reasons = await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query<{ reason: string; n: string }>(
        `SELECT details->>'reason' AS reason, count(*) AS n FROM audit_log
          WHERE action = 'login.failed' AND details->>'email' = $1 GROUP BY 1`,
        [raceEmail],
      );
      return Object.fromEntries(rows.map((row) => [row.reason, Number(row.n)]));
    });
    expect(reasons.wrong_password).toBeLessThanOrEqual(5);
    expect(reasons.wrong_password + reasons.locked).toBe(21);
  });

  it('locks the account for 15 minutes after five failures, then lets it in again', async () => {
    const lockEmail = 'lockme@acme.example';
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email: lockEmail, role: 'viewer', password: PASSWORD })
      .expect(201);
    for (let i = 0; i < 5; i++) {
      await login({ tenant: tenant.slug, email: lockEmail, password: `wrong ${i}` }).expect(401);
    }
    const locked = await login({
      tenant: tenant.slug,
      email: lockEmail,
      password: PASSWORD,
    }).expect(401);
    expect(locked.body.message).toBe('Invalid credentials');
    const lockedUntil = await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query('SELECT locked_until FROM users WHERE lower(email) = $1', [
        lockEmail,
      ]);
      return rows[0].locked_until as Date;
    });
    const minutes = (lockedUntil.getTime() - Date.now()) / 60000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    // The lock expires: move it into the past as the clock would.
    await sql.query('BEGIN');
    await sql.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    await sql.query(
      "UPDATE users SET locked_until = now() - interval '1 second' WHERE lower(email) = $1",
      [lockEmail],
    );
    await sql.query('COMMIT');
    await login({ tenant: tenant.slug, email: lockEmail, password: PASSWORD }).expect(200);
  });

  it('does not lock an account forever when logins claim attempts whose settle step fails', async () => {
    const stuckEmail = 'unsettled@acme.example';
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email: stuckEmail, role: 'viewer', password: PASSWORD })
      .expect(201);
    // The settle step's transaction fails (its audit write throws, so its UPDATE rolls back):
    // the attempts were claimed and never settled.
    const audit = t.app.get(AuditService);
    const record = audit.record.bind(audit);
    const failing = jest
      .spyOn(audit, 'record')
      .mockImplementation(async (entry: AuditRecord, actor) => {
        if (entry.action.startsWith('login.')) throw new Error('settle step failed');
        return record(entry, actor);
      });
    try {
      for (let i = 0; i < 5; i++) {
        await login({ tenant: tenant.slug, email: stuckEmail, password: PASSWORD }).expect(500);
      }
    } finally {
      failing.mockRestore();
    }
    // Five unsettled claims look like five logins in flight: the account is held, briefly.
    await login({ tenant: tenant.slug, email: stuckEmail, password: PASSWORD }).expect(401);
    const heldUntil = await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query('SELECT locked_until FROM users WHERE lower(email) = $1', [
        stuckEmail,
      ]);
      return rows[0].locked_until as Date | null;
    });
    expect(heldUntil).not.toBeNull();
    expect(heldUntil!.getTime() - Date.now()).toBeLessThanOrEqual(LOGIN_CLAIM_SECONDS * 1000);

    // The hold lapses: move it into the past as the clock would. The claims expire with it.
    await sql.query('BEGIN');
    await sql.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    await sql.query(
      "UPDATE users SET locked_until = now() - interval '1 second' WHERE lower(email) = $1",
      [stuckEmail],
    );
    await sql.query('COMMIT');
    await login({ tenant: tenant.slug, email: stuckEmail, password: PASSWORD }).expect(200);
    // And the lockout still counts from there: five wrong passwords lock it for 15 minutes.
    for (let i = 0; i < 5; i++) {
      await login({ tenant: tenant.slug, email: stuckEmail, password: `wrong ${i}` }).expect(401);
    }
    await login({ tenant: tenant.slug, email: stuckEmail, password: PASSWORD }).expect(401);
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the whole family', async () => {
    const first = (await login({ tenant: tenant.slug, email, password: PASSWORD }).expect(200))
      .body;
    const second = (
      await t.http.post('/auth/refresh').send({ refresh_token: first.refresh_token }).expect(200)
    ).body;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(claimsOf(second.access_token).sub).toBe(userId);

    const reuse = await t.http
      .post('/auth/refresh')
      .send({ refresh_token: first.refresh_token })
      .expect(401);
    expect(reuse.body.message).toBe('Invalid credentials');
    // The thief's reuse cost the legitimate holder the family too.
    await t.http.post('/auth/refresh').send({ refresh_token: second.refresh_token }).expect(401);

    const [reused, rotated] = await auditEntries(['refresh_token.reused', 'refresh_token.rotated']);
    expect(reused).toMatchObject({
      actor_type: 'user',
      actor_id: userId,
      resource_id: userId,
      details: { revoked_tokens: 2 },
    });
    expect(rotated).toMatchObject({ actor_type: 'user', actor_id: userId });
    expect(rotated.details.family_id).toBe(reused.details.family_id);
  });

  it('stores refresh tokens only as SHA-256', async () => {
    const { refresh_token } = (
      await login({ tenant: tenant.slug, email, password: PASSWORD }).expect(200)
    ).body;
    const hashes = await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query('SELECT token_hash FROM refresh_tokens');
      return rows.map((row) => row.token_hash as string);
    });
    expect(hashes).toContain(createHash('sha256').update(refresh_token).digest('hex'));
    expect(hashes.join()).not.toContain(refresh_token.slice('rt_'.length + 32 + 1));
  });

  it('logout revokes the refresh token', async () => {
    const { refresh_token } = (
      await login({ tenant: tenant.slug, email, password: PASSWORD }).expect(200)
    ).body;
    await t.http.post('/auth/logout').send({ refresh_token }).expect(204);
    await t.http.post('/auth/refresh').send({ refresh_token }).expect(401);
    await t.http.post('/auth/logout').send({ refresh_token: 'garbage' }).expect(204);
    const [logout] = await auditEntries(['logout']);
    expect(logout).toMatchObject({
      actor_type: 'user',
      actor_id: userId,
      details: { revoked_tokens: 1 },
    });
  });

  it('leaves no live token when a logout races a refresh of the same family', async () => {
    for (let round = 0; round < 8; round++) {
      const { refresh_token } = (
        await login({ tenant: tenant.slug, email, password: PASSWORD }).expect(200)
      ).body;
      const [refreshed] = await Promise.all([
        t.http.post('/auth/refresh').send({ refresh_token }),
        t.http.post('/auth/logout').send({ refresh_token }).expect(204),
      ]);
      if (refreshed.status === 200) {
        // The refresh won the race; the logout that followed revoked what it issued.
        await t.http
          .post('/auth/refresh')
          .send({ refresh_token: refreshed.body.refresh_token })
          .expect(401);
      } else {
        expect(refreshed.status).toBe(401);
      }
    }
  });

  it('refuses malformed or foreign refresh tokens with 401, never 500', async () => {
    for (const token of [
      'garbage',
      `rt_${'0'.repeat(32)}_${'a'.repeat(43)}`,
      `rt_${tenant.id.replace(/-/g, '')}_${'a'.repeat(43)}`,
    ]) {
      await t.http.post('/auth/refresh').send({ refresh_token: token }).expect(401);
    }
  });

  it("rejects a disabled or deleted user's unexpired access token on the very next request", async () => {
    const admin = { ...adminAuth, 'X-Tenant-ID': tenant.id };
    const id = (
      await t.http
        .post('/v1/users')
        .set(admin)
        .send({ email: 'soon-off@acme.example', role: 'admin', password: PASSWORD })
        .expect(201)
    ).body.id as string;
    const { access_token } = (
      await login({
        tenant: tenant.slug,
        email: 'soon-off@acme.example',
        password: PASSWORD,
      }).expect(200)
    ).body;
    await t.http.get('/v1/settings').set(bearer(access_token)).expect(200);

    await t.http.patch(`/v1/users/${id}`).set(admin).send({ status: 'disabled' }).expect(200);
    const refused = await t.http.get('/v1/settings').set(bearer(access_token)).expect(401);
    expect(refused.body.message).toBe('This user is disabled or no longer exists');

    await t.http.patch(`/v1/users/${id}`).set(admin).send({ status: 'active' }).expect(200);
    await t.http.get('/v1/settings').set(bearer(access_token)).expect(200);
    await t.http.delete(`/v1/users/${id}`).set(admin).expect(204);
    await t.http.get('/v1/settings').set(bearer(access_token)).expect(401);
  });

  it('answers 400 naming fields for bad login bodies', async () => {
    const response = await login({ tenant: 'Not A Slug', email: 5, password: '' }).expect(400);
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['tenant', 'email', 'password']));
    const extra = await login({ email, password: PASSWORD, remember: true }).expect(400);
    expect(extra.body.errors[0].field).toBe('remember');
  });
});
