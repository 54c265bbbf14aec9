import { createHash } from 'node:crypto';
import { createPlatformAdmin } from '../support/platform-admin';
import { connectAs, sqlState } from '../support/sql';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, tenantToken, TestApp } from '../support/test-app';

/** The Set-Cookie line for the admin refresh cookie, split into its attributes. */
function adminCookieOf(setCookie: string[] | string | undefined): {
  value: string;
  attributes: string[];
} {
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = lines.find((candidate) => candidate.startsWith('tenantry_admin_refresh='));
  if (!line) throw new Error(`no tenantry_admin_refresh cookie in ${JSON.stringify(lines)}`);
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { value: decodeURIComponent(pair.slice('tenantry_admin_refresh='.length)), attributes };
}

async function asOwner<T>(work: (owner: Awaited<ReturnType<typeof connectAs>>) => Promise<T>) {
  const owner = await connectAs('owner');
  try {
    return await work(owner);
  } finally {
    await owner.end();
  }
}

describe('/auth/admin refresh (operator console sessions)', () => {
  let t: TestApp;
  const password = 'operator session passphrase';
  let email: string;
  let adminId: string;

  beforeAll(async () => {
    t = await createTestApp();
    email = `console-${Date.now()}@tenantry.test`;
    adminId = await createPlatformAdmin(email, password);
  });
  afterAll(() => t.close());

  const cookieLogin = () =>
    t.http.post('/auth/admin/login').send({ email, password, refresh_cookie: true }).expect(200);
  const refreshWith = (cookie: string) =>
    t.http.post('/auth/admin/refresh').set('Cookie', `tenantry_admin_refresh=${cookie}`).send({});

  it('puts a 12-hour refresh token in an httpOnly, SameSite=Strict cookie scoped to /auth/admin', async () => {
    const response = await cookieLogin();
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.refresh_expires_in).toBeGreaterThan(12 * 3600 - 60);
    expect(response.body.refresh_expires_in).toBeLessThanOrEqual(12 * 3600);
    const cookie = adminCookieOf(response.headers['set-cookie']);
    expect(cookie.value).toMatch(/^art_[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['Path=/auth/admin', 'HttpOnly', 'SameSite=Strict']),
    );
    expect(cookie.attributes.some((part) => /^(Secure|Domain=)/i.test(part))).toBe(false);
    await t.http.get('/admin/statistics').set(bearer(response.body.access_token)).expect(200);
    // Stored as its SHA-256 only.
    const hash = createHash('sha256').update(cookie.value).digest('hex');
    const rows = await asOwner(async (owner) => {
      const result = await owner.query<{ token_hash: string }>(
        'SELECT token_hash FROM platform_admin_refresh_tokens WHERE admin_id = $1',
        [adminId],
      );
      return result.rows.map((row) => row.token_hash);
    });
    expect(rows).toContain(hash);
    expect(rows).not.toContain(cookie.value);
  });

  it('rotates from the cookie with an admin token; a replayed rotated cookie revokes the family, audited', async () => {
    const first = adminCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const refreshed = await refreshWith(first).expect(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    await t.http.get('/admin/tenants').set(bearer(refreshed.body.access_token)).expect(200);
    const second = adminCookieOf(refreshed.headers['set-cookie']).value;
    expect(second).not.toBe(first);

    const replay = await refreshWith(first).expect(401);
    expect(adminCookieOf(replay.headers['set-cookie']).value).toBe('');
    await refreshWith(second).expect(401);

    const actions = await asOwner(async (owner) => {
      const result = await owner.query<{ action: string; details: { revoked_tokens?: number } }>(
        `SELECT action, details FROM platform_audit_log
          WHERE resource_id = $1 AND action LIKE 'admin_refresh_token.%' ORDER BY at`,
        [adminId],
      );
      return result.rows;
    });
    expect(actions.map((row) => row.action)).toEqual(
      expect.arrayContaining(['admin_refresh_token.rotated', 'admin_refresh_token.reused']),
    );
    // Operators can alert on it.
    const metrics = await t.http
      .get('/metrics')
      .set({ Authorization: `Bearer ${TEST_METRICS_TOKEN}` })
      .expect(200);
    expect(metrics.text).toMatch(/tenantry_admin_session_refreshes_total\{[^}]*outcome="reused"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/tenantry_admin_session_refreshes_total\{[^}]*outcome="rotated"[^}]*\} [1-9]/);
    // Both of the family's unrevoked tokens: the replayed one and the live one rotated from it.
    const reused = actions.find((row) => row.action === 'admin_refresh_token.reused');
    expect(reused?.details).toMatchObject({ revoked_tokens: 2 });
  });

  it('two refreshes of one token at once: one rotates, the other is a reuse that ends the family', async () => {
    const first = adminCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const answers = await Promise.all([refreshWith(first), refreshWith(first)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    const winner = answers.find((answer) => answer.status === 200)!;
    await refreshWith(adminCookieOf(winner.headers['set-cookie']).value).expect(401);
  });

  it('never extends the session past 12 hours from the login', async () => {
    const first = adminCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const hash = createHash('sha256').update(first).digest('hex');
    // The family's login was 11h59m ago: a refresh answers with what is left, not a new 12 hours.
    await asOwner((owner) =>
      owner.query(
        "UPDATE platform_admin_refresh_tokens SET expires_at = now() + interval '60 seconds' WHERE token_hash = $1",
        [hash],
      ),
    );
    const refreshed = await refreshWith(first).expect(200);
    expect(refreshed.body.refresh_expires_in).toBeLessThanOrEqual(60);
    const cookie = adminCookieOf(refreshed.headers['set-cookie']);
    const maxAge = Number(cookie.attributes.find((part) => part.startsWith('Max-Age='))?.slice(8));
    expect(maxAge).toBeLessThanOrEqual(60);
    // Past the end: refused.
    await asOwner((owner) =>
      owner.query(
        "UPDATE platform_admin_refresh_tokens SET expires_at = now() - interval '1 second' WHERE admin_id = $1",
        [adminId],
      ),
    );
    await refreshWith(cookie.value).expect(401);
  });

  it('answers 401 with no cookie, a malformed token, a tenant refresh token or an oversized cookie', async () => {
    await t.http.post('/auth/admin/refresh').send({}).expect(401);
    await t.http.post('/auth/admin/refresh').send({ refresh_token: 'art_short' }).expect(401);
    await refreshWith('x'.repeat(5000)).expect(401);
    const tenant = await createTenant(t.http);
    await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: 'a tenant owner passphrase' })
      .expect(204);
    const tenantLogin = await t.http
      .post('/auth/login')
      .send({
        tenant: tenant.slug,
        email: `owner@${tenant.slug}.example`,
        password: 'a tenant owner passphrase',
      })
      .expect(200);
    await t.http
      .post('/auth/admin/refresh')
      .send({ refresh_token: tenantLogin.body.refresh_token })
      .expect(401);
    // And a tenant user's cookie never reaches the admin route (its path is /auth, the name differs).
    await t.http.get('/admin/statistics').set(bearer(tenantToken(tenant.id))).expect(403);
  });

  it('a body token still works and gets a body token back, with no cookie', async () => {
    const login = await t.http.post('/auth/admin/login').send({ email, password }).expect(200);
    expect(login.body.refresh_token).toMatch(/^art_/);
    const refreshed = await t.http
      .post('/auth/admin/refresh')
      .send({ refresh_token: login.body.refresh_token })
      .expect(200);
    expect(refreshed.body.refresh_token).toMatch(/^art_/);
    expect(refreshed.headers['set-cookie']).toBeUndefined();
  });

  it('logout revokes the cookie session, clears the cookie and is audited', async () => {
    const cookie = adminCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const logout = await t.http
      .post('/auth/admin/logout')
      .set('Cookie', `tenantry_admin_refresh=${cookie}`)
      .send({})
      .expect(204);
    const cleared = adminCookieOf(logout.headers['set-cookie']);
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toEqual(expect.arrayContaining(['Path=/auth/admin']));
    await refreshWith(cookie).expect(401);
    const count = await asOwner(async (owner) => {
      const result = await owner.query<{ n: string }>(
        "SELECT count(*) AS n FROM platform_audit_log WHERE resource_id = $1 AND action = 'admin_logout'",
        [adminId],
      );
      return Number(result.rows[0].n);
    });
    expect(count).toBeGreaterThanOrEqual(1);
    // Unknown tokens: the same silent 204.
    await t.http.post('/auth/admin/logout').send({ refresh_token: 'art_unknown' }).expect(204);
  });

  it("refuses a disabled admin's refresh and revokes the family", async () => {
    const otherEmail = `disabled-console-${Date.now()}@tenantry.test`;
    const otherId = await createPlatformAdmin(otherEmail, password);
    const login = await t.http
      .post('/auth/admin/login')
      .send({ email: otherEmail, password, refresh_cookie: true })
      .expect(200);
    const cookie = adminCookieOf(login.headers['set-cookie']).value;
    await asOwner((owner) =>
      owner.query("UPDATE platform_admins SET status = 'disabled' WHERE id = $1", [otherId]),
    );
    await refreshWith(cookie).expect(401);
    await asOwner((owner) =>
      owner.query("UPDATE platform_admins SET status = 'active' WHERE id = $1", [otherId]),
    );
    // Re-enabled, the old session stays dead: the refusal revoked it.
    await refreshWith(cookie).expect(401);
  });

  it('keeps the table from the app role that serves tenant traffic', async () => {
    const app = await connectAs('app');
    await app.query('BEGIN');
    try {
      expect(await sqlState(app, 'SELECT token_hash FROM platform_admin_refresh_tokens')).toBe(
        '42501',
      );
      expect(
        await sqlState(app, 'UPDATE platform_admin_refresh_tokens SET revoked_at = NULL'),
      ).toBe('42501');
    } finally {
      await app.query('ROLLBACK');
      await app.end();
    }
  });

  it('refuses a non-boolean refresh_cookie naming the field', async () => {
    const response = await t.http
      .post('/auth/admin/login')
      .send({ email, password, refresh_cookie: 'yes' })
      .expect(400);
    expect(JSON.stringify(response.body)).toContain('refresh_cookie');
  });
});
