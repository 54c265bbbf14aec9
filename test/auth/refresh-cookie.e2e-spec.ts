import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery staple';

/** The Set-Cookie line for the tenant refresh cookie, split into its attributes. */
function refreshCookieOf(setCookie: string[] | string | undefined): {
  value: string;
  attributes: string[];
} {
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = lines.find((candidate) => candidate.startsWith('tenantry_refresh='));
  if (!line) throw new Error(`no tenantry_refresh cookie in ${JSON.stringify(lines)}`);
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { value: decodeURIComponent(pair.slice('tenantry_refresh='.length)), attributes };
}

describe('/auth refresh cookie (browser sessions)', () => {
  let t: TestApp;
  let tenant: { id: string; slug: string };
  const email = 'cookie@acme.example';

  beforeAll(async () => {
    t = await createTestApp();
    tenant = await createTenant(t.http);
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email, role: 'viewer', password: PASSWORD })
      .expect(201);
  });
  afterAll(() => t.close());

  const cookieLogin = () =>
    t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD, refresh_cookie: true })
      .expect(200);

  it('puts the refresh token in an httpOnly, SameSite=Strict cookie scoped to /auth, not in the body', async () => {
    const response = await cookieLogin();
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body).toMatchObject({ token_type: 'Bearer', refresh_expires_in: 2592000 });
    const cookie = refreshCookieOf(response.headers['set-cookie']);
    expect(cookie.value).toMatch(/^rt_[0-9a-f]{32}_/);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['Path=/auth', 'HttpOnly', 'SameSite=Strict', 'Max-Age=2592000']),
    );
    // Plain HTTP here, so not Secure; no Domain, so a custom domain never shares it.
    expect(cookie.attributes.some((part) => /^(Secure|Domain=)/i.test(part))).toBe(false);
    await t.http.get('/auth/me').set(bearer(response.body.access_token)).expect(200);
  });

  it('refreshes from the cookie alone, rotating it; the rotated cookie replayed revokes the family', async () => {
    const first = refreshCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const refreshed = await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${first}`)
      .send({})
      .expect(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect(typeof refreshed.body.access_token).toBe('string');
    const second = refreshCookieOf(refreshed.headers['set-cookie']).value;
    expect(second).not.toBe(first);

    // Someone replays the first cookie: refused, the cookie is cleared, and the live one dies too.
    const replay = await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${first}`)
      .send({})
      .expect(401);
    expect(refreshCookieOf(replay.headers['set-cookie']).value).toBe('');
    await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${second}`)
      .send({})
      .expect(401);
  });

  it('answers 401 with no cookie and no body token, and ignores an oversized cookie', async () => {
    await t.http.post('/auth/refresh').send({}).expect(401);
    await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${'x'.repeat(5000)}`)
      .send({})
      .expect(401);
  });

  it('a body token still works as before and gets a body token back, with no cookie', async () => {
    const login = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD })
      .expect(200);
    const refreshed = await t.http
      .post('/auth/refresh')
      .send({ refresh_token: login.body.refresh_token })
      .expect(200);
    expect(refreshed.body.refresh_token).toMatch(/^rt_/);
    expect(refreshed.headers['set-cookie']).toBeUndefined();
  });

  it('logout revokes the cookie session and clears the cookie', async () => {
    const cookie = refreshCookieOf((await cookieLogin()).headers['set-cookie']).value;
    const logout = await t.http
      .post('/auth/logout')
      .set('Cookie', `tenantry_refresh=${cookie}`)
      .send({})
      .expect(204);
    const cleared = refreshCookieOf(logout.headers['set-cookie']);
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toEqual(expect.arrayContaining(['Path=/auth']));
    await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${cookie}`)
      .send({})
      .expect(401);
  });

  it('refuses a non-boolean refresh_cookie naming the field', async () => {
    const response = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password: PASSWORD, refresh_cookie: 'yes' })
      .expect(400);
    expect(JSON.stringify(response.body)).toContain('refresh_cookie');
  });
});

describe('/auth refresh cookie behind a TLS-terminating proxy (TRUST_PROXY)', () => {
  let proxied: TestApp;
  let direct: TestApp;
  let tenant: { id: string; slug: string };
  const email = 'proxied@acme.example';

  beforeAll(async () => {
    const env = { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' };
    proxied = await createTestApp({ env: { ...env, TRUST_PROXY: 'loopback' } });
    direct = await createTestApp({ env });
    tenant = await createTenant(proxied.http);
    await proxied.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email, role: 'viewer', password: PASSWORD })
      .expect(201);
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const login = (app: TestApp) =>
    app.http
      .post('/auth/login')
      .set('X-Forwarded-Proto', 'https')
      .send({ tenant: tenant.slug, email, password: PASSWORD, refresh_cookie: true })
      .expect(200);

  it('marks the cookie Secure when the trusted proxy says the client came over HTTPS', async () => {
    const cookie = refreshCookieOf((await login(proxied)).headers['set-cookie']);
    expect(cookie.attributes).toContain('Secure');
  });

  it('ignores X-Forwarded-Proto from a client when no proxy is trusted', async () => {
    const cookie = refreshCookieOf((await login(direct)).headers['set-cookie']);
    expect(cookie.attributes).not.toContain('Secure');
  });
});
