import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAs, asTenant } from '../support/sql';
import { CookieJar, hop, loginAtIdp, startIdp, type TestIdp } from '../support/oidc/oidc-flow';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
  uniqueSlug,
} from '../support/test-app';
import { TEST_BASE_DOMAIN, TEST_METRICS_TOKEN } from '../support/stack-env';

jest.setTimeout(60_000);

type Tenant = Awaited<ReturnType<typeof createTenant>>;

/**
 * SSO against two real OpenID Providers (npm oidc-provider, each in a child process): tenant A
 * uses one, tenant B the other. The browser's round trip is driven with plain HTTP, hop by hop,
 * cookies kept per host as a browser keeps them.
 */
describe('SSO (OIDC authorization code flow with PKCE)', () => {
  let t: TestApp;
  let idpA: TestIdp;
  let idpB: TestIdp;
  let a: Tenant;
  let b: Tenant;
  let starter: Tenant;
  let callbackUri: string;
  const SECRET_A = 'client-secret-of-tenant-a-0123456789';
  const SECRET_B = 'client-secret-of-tenant-b-0123456789';
  const SECRET_SHARED = 'client-secret-of-a-tenant-sharing-the-idp';
  let envB: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    callbackUri = `${t.url}/auth/sso/callback`;
    [idpA, idpB] = await Promise.all([
      startIdp({
        clientId: 'tenantry-a',
        clientSecret: SECRET_A,
        redirectUris: [callbackUri],
        emailInIdToken: true,
        // A second client on A's IdP: another tenant sharing the same identity provider.
        otherClients: [{ clientId: 'tenantry-shared', clientSecret: SECRET_SHARED }],
      }),
      // B's provider gives the email only from userinfo (the OIDC default).
      startIdp({
        clientId: 'tenantry-b',
        clientSecret: SECRET_B,
        redirectUris: [callbackUri],
        emailInIdToken: false,
      }),
    ]);
    a = await createTenant(t.http, { tier: 'growth' });
    b = await createTenant(t.http, { tier: 'enterprise', slug: uniqueSlug('sso-b') });
    starter = await createTenant(t.http, { tier: 'starter' });
    envB = `SSO_CLIENT_SECRET_${b.slug.toUpperCase().replace(/-/g, '_')}`;
    process.env[envB] = SECRET_B;
  });

  afterAll(async () => {
    delete process.env[envB];
    await Promise.all([idpA?.stop(), idpB?.stop()]);
    await t?.close();
  });

  const owner = (tenant: Tenant) => bearer(tenantToken(tenant.id));
  const configA = () => ({
    issuer: idpA.issuer,
    client_id: 'tenantry-a',
    client_secret: SECRET_A,
    default_role: 'analyst',
    password_login_enabled: true,
  });

  async function audit(tenant: Tenant, action: string) {
    const response = await t.http
      .get('/v1/audit-log')
      .query({ action, limit: 100 })
      .set(owner(tenant))
      .expect(200);
    return response.body.data as { details: Record<string, unknown>; actor_type: string }[];
  }

  /** GET /auth/sso/start: the IdP URL and the jar holding the state cookie. */
  async function start(tenant: Tenant, returnTo?: string) {
    const jar = new CookieJar();
    const query = new URLSearchParams({
      tenant: tenant.slug,
      ...(returnTo ? { return_to: returnTo } : {}),
    });
    const answer = await hop(jar, `${t.url}/auth/sso/start?${query.toString()}`);
    expect(answer.status).toBe(302);
    return { jar, location: answer.location!, answer };
  }

  /** The whole round trip: start, the IdP's forms, the callback. */
  async function ssoLogin(tenant: Tenant, idp: TestIdp, login: string, returnTo?: string) {
    const { jar, location } = await start(tenant, returnTo);
    expect(location.startsWith(`${idp.issuer}/auth?`)).toBe(true);
    const back = await loginAtIdp(jar, location, login, callbackUri);
    const callback = await hop(jar, back);
    return { jar, back, callback };
  }

  function errorOf(location: string | null): string | null {
    expect(location).toMatch(new RegExp(`^${t.url}/app/login\\?error=`));
    return new URL(location!).searchParams.get('error');
  }

  it('refuses /v1/sso to a plan without sso (403 naming the feature) and to roles below admin', async () => {
    const refused = await t.http.get('/v1/sso').set(owner(starter)).expect(403);
    expect(refused.body).toMatchObject({ feature: 'sso' });
    await t.http.put('/v1/sso').set(owner(starter)).send(configA()).expect(403);
    await t.http.delete('/v1/sso').set(owner(starter)).expect(403);
    const analyst = bearer(tenantToken(a.id, { claims: { role: 'analyst' } }));
    await t.http.get('/v1/sso').set(analyst).expect(403);
    await t.http.put('/v1/sso').set(analyst).send(configA()).expect(403);
    // Admins read it, but only owners set the IdP: it could sign them in as an owner.
    const admin = bearer(tenantToken(a.id, { claims: { role: 'admin' } }));
    await t.http.get('/v1/sso').set(admin).expect(200);
    const notOwner = await t.http.put('/v1/sso').set(admin).send(configA()).expect(403);
    expect(notOwner.body.message).toMatch(/Only an owner/);
  });

  it('refuses a bad configuration with the field named, and stores nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...configA(), issuer: 'http://idp.example.com' }, 400, 'issuer'],
      [{ ...configA(), issuer: 'ftp://localhost/x' }, 400, 'issuer'],
      [{ ...configA(), issuer: `${idpA.issuer}?x=1` }, 400, 'issuer'],
      [{ ...configA(), issuer: 'http://127.0.0.1:1' }, 400, 'issuer'],
      [{ ...configA(), default_role: 'owner' }, 400, 'default_role'],
      [{ ...configA(), client_secret: undefined }, 400, 'client_secret'],
      [{ ...configA(), client_secret: 'env:JWT_SECRET' }, 400, 'client_secret'],
      [{ ...configA(), client_id: 'has space' }, 400, 'client_id'],
      [{ ...configA(), password_login_enabled: false }, 409, 'password_login_enabled'],
    ];
    for (const [body, status, field] of cases) {
      const response = await t.http.put('/v1/sso').set(owner(a)).send(body);
      expect({ field, status: response.status }).toEqual({ field, status });
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const lockout = await t.http
      .put('/v1/sso')
      .set(owner(a))
      .send({ ...configA(), password_login_enabled: false });
    expect(lockout.body.message).toMatch(/only after an SSO login .* has succeeded/);
    const current = await t.http.get('/v1/sso').set(owner(a)).expect(200);
    expect(current.body).toMatchObject({ configured: false, client_secret_set: false });
    expect(current.body.redirect_uri).toBe(callbackUri);
    // Behind a TLS proxy, on a tenant's subdomain: the URI to register there.
    const proxied = await t.http
      .get('/v1/sso')
      .set(owner(a))
      .set('Host', `${a.slug}.${TEST_BASE_DOMAIN}`)
      .set('X-Forwarded-Proto', 'https')
      .expect(200);
    expect(proxied.body.redirect_uri).toBe(
      `https://${a.slug}.${TEST_BASE_DOMAIN}/auth/sso/callback`,
    );
  });

  it("stores the client secret sealed, or as the tenant's own env reference, and never returns it", async () => {
    const put = await t.http.put('/v1/sso').set(owner(a)).send(configA()).expect(200);
    expect(put.body).toMatchObject({
      configured: true,
      issuer: idpA.issuer,
      client_id: 'tenantry-a',
      client_secret_set: true,
      client_secret_ref: null,
      default_role: 'analyst',
      password_login_enabled: true,
      last_sso_login_at: null,
    });
    const got = await t.http.get('/v1/sso').set(owner(a)).expect(200);
    expect(JSON.stringify([put.body, got.body])).not.toContain(SECRET_A);
    const db = await connectAs('owner');
    try {
      // The owner role is bound by RLS too: read as tenant A.
      const { rows } = await asTenant(db, a.id, () =>
        db.query(
          'SELECT client_secret_sealed AS sealed, client_secret_ref AS ref FROM sso_connections',
        ),
      );
      expect(rows[0].ref).toBeNull();
      expect(rows[0].sealed).toMatch(/^v1\./);
      expect(rows[0].sealed).not.toContain(SECRET_A);
      expect(Buffer.from(rows[0].sealed.split('.')[3], 'base64url').toString()).not.toContain(
        SECRET_A,
      );
    } finally {
      await db.end();
    }
    const [entry] = await audit(a, 'sso.configured');
    expect(entry.details).toMatchObject({
      issuer: idpA.issuer,
      client_secret: 'replaced',
      created: true,
    });
    expect(JSON.stringify(entry)).not.toContain(SECRET_A);

    const viaEnv = await t.http
      .put('/v1/sso')
      .set(owner(b))
      .send({
        issuer: idpB.issuer,
        client_id: 'tenantry-b',
        client_secret: `env:${envB}`,
        default_role: 'viewer',
        password_login_enabled: true,
      })
      .expect(200);
    expect(viaEnv.body).toMatchObject({
      client_secret_set: true,
      client_secret_ref: `env:${envB}`,
    });
    expect(JSON.stringify(viaEnv.body)).not.toContain(SECRET_B);
    // Another tenant's variable is not this tenant's to name.
    const foreign = await t.http
      .put('/v1/sso')
      .set(owner(a))
      .send({ ...configA(), client_secret: `env:${envB}` })
      .expect(400);
    expect(foreign.body.errors[0].field).toBe('client_secret');
  });

  it('tells the login page what to offer, revealing nothing about unknown tenants', async () => {
    const withSso = await t.http.get('/auth/login-options').query({ tenant: a.slug }).expect(200);
    expect(withSso.body).toEqual({
      password_login: true,
      sso: true,
      sso_start_url: `/auth/sso/start?tenant=${a.slug}`,
    });
    const bySubdomain = await t.http
      .get('/auth/login-options')
      .set('Host', `${a.slug}.${TEST_BASE_DOMAIN}`)
      .expect(200);
    expect(bySubdomain.body.sso).toBe(true);
    const none = { password_login: true, sso: false };
    expect((await t.http.get('/auth/login-options').query({ tenant: starter.slug })).body).toEqual(
      none,
    );
    expect(
      (await t.http.get('/auth/login-options').query({ tenant: 'no-such-tenant-here' })).body,
    ).toEqual(none);
    expect((await t.http.get('/auth/login-options')).body).toEqual(none);
    await t.http.get('/auth/login-options').query({ tenant: 'Not A Slug' }).expect(400);
    // A tenant without SSO (or no tenant) is sent back to the login page, not to an IdP.
    const unavailable = await hop(
      new CookieJar(),
      `${t.url}/auth/sso/start?tenant=no-such-tenant-here`,
    );
    expect(unavailable.status).toBe(302);
    expect(errorOf(unavailable.location)).toBe('sso_unavailable');
    expect(unavailable.response.headers.getSetCookie()).toEqual([]);
  });

  it('accepts only return paths under /app/ (no open redirect)', async () => {
    for (const returnTo of [
      '//evil.example/',
      'https://evil.example/app/',
      '/app//evil.example',
      '/app/../admin',
      '/app/%2e%2e/admin',
      '/application',
      '/app/\\evil',
    ]) {
      const response = await t.http
        .get('/auth/sso/start')
        .query({ tenant: a.slug, return_to: returnTo });
      expect({ returnTo, status: response.status }).toEqual({ returnTo, status: 400 });
      expect(response.body.errors[0].field).toBe('return_to');
    }
  });

  it('starts the code flow with PKCE (S256), state and nonce, the state in an httpOnly Lax cookie', async () => {
    const { location, answer } = await start(a, '/app/dashboards');
    const url = new URL(location);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'tenantry-a',
      response_type: 'code',
      redirect_uri: callbackUri,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('scope')).toContain('openid');
    const [cookie] = answer.response.headers.getSetCookie();
    expect(cookie).toMatch(/^tenantry_sso=[A-Za-z0-9_-]+; /);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(cookie).toMatch(/Path=\/auth\/sso/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // Sealed: neither the verifier nor the state can be read from it.
    expect(cookie).not.toContain(url.searchParams.get('state')!);
  });

  it('provisions a first-time user with the default role and starts a session in the refresh cookie', async () => {
    const email = `ana@${a.slug}.example`;
    const { callback } = await ssoLogin(a, idpA, email, '/app/dashboards?range=7d');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${t.url}/app/dashboards?range=7d`);
    const refreshCookie = callback.response.headers
      .getSetCookie()
      .find((c) => c.startsWith('tenantry_refresh='));
    expect(refreshCookie).toMatch(/HttpOnly/);
    expect(refreshCookie).toMatch(/SameSite=Strict/);
    expect(refreshCookie).toMatch(/Path=\/auth(;|$)/);
    const refreshToken = /^tenantry_refresh=([^;]+)/.exec(refreshCookie!)![1];
    const session = await t.http
      .post('/auth/refresh')
      .send({ refresh_token: refreshToken })
      .expect(200);
    const me = await t.http.get('/auth/me').set(bearer(session.body.access_token)).expect(200);
    expect(me.body).toMatchObject({
      tenant: { id: a.id },
      role: 'analyst',
      user: { email, role: 'analyst' },
    });
    const [succeeded] = await audit(a, 'sso.login.succeeded');
    expect(succeeded.details).toMatchObject({
      email,
      provisioned: true,
      issuer: idpA.issuer,
      role: 'analyst',
    });
    const created = await audit(a, 'user.created');
    expect(created.some((e) => e.details.email === email && e.details.via === 'sso')).toBe(true);
    expect((await t.http.get('/v1/sso').set(owner(a))).body.last_sso_login_at).not.toBeNull();
  });

  it('logs an existing user in with their own role (email from userinfo), in any letter case', async () => {
    const created = await t.http
      .post('/v1/users')
      .set(owner(b))
      .send({ email: `Bea@${b.slug}.example`, role: 'admin' })
      .expect(201);
    const { callback } = await ssoLogin(b, idpB, `bea@${b.slug}.example`);
    expect(callback.location).toBe(`${t.url}/app/`);
    const token = /tenantry_refresh=([^;]+)/.exec(
      callback.response.headers.getSetCookie().join('\n'),
    )![1];
    const session = await t.http
      .post('/auth/refresh')
      .set('Cookie', `tenantry_refresh=${token}`)
      .send({})
      .expect(200);
    const me = await t.http.get('/auth/me').set(bearer(session.body.access_token)).expect(200);
    expect(me.body.user).toMatchObject({ id: created.body.id, role: 'admin' });
    const [succeeded] = await audit(b, 'sso.login.succeeded');
    expect(succeeded.details).toMatchObject({ provisioned: false, issuer: idpB.issuer });
  });

  it('refuses an unverified email, a disabled user, and says why in the audit log', async () => {
    const unverified = await ssoLogin(a, idpA, `unverified-${a.slug}@x.example`);
    expect(errorOf(unverified.callback.location)).toBe('sso_email_unverified');
    expect(unverified.callback.response.headers.getSetCookie().join()).not.toContain(
      'tenantry_refresh=',
    );
    const users = await t.http.get('/v1/users').query({ limit: 100 }).set(owner(a)).expect(200);
    expect(users.body.data.map((u: { email: string }) => u.email)).not.toContain(
      `unverified-${a.slug}@x.example`,
    );
    const disabled = await t.http
      .post('/v1/users')
      .set(owner(a))
      .send({ email: `dan@${a.slug}.example`, role: 'viewer' })
      .expect(201);
    await t.http
      .patch(`/v1/users/${disabled.body.id}`)
      .set(owner(a))
      .send({ status: 'disabled' })
      .expect(200);
    const refused = await ssoLogin(a, idpA, `dan@${a.slug}.example`);
    expect(errorOf(refused.callback.location)).toBe('sso_user_disabled');
    const reasons = (await audit(a, 'sso.login.failed')).map((e) => e.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(['email_not_verified', 'user_disabled']));
  });

  it("refuses another tenant's IdP: A's login state with B's code, with or without B's iss", async () => {
    // A browser starts A's login; the code it brings back comes from B's IdP (a mix-up attack).
    const fromA = await start(a);
    const codeFromB = new URL(
      await loginAtIdp(
        new CookieJar(),
        (await start(b)).location,
        `mallory@${b.slug}.example`,
        callbackUri,
      ),
    );
    const ownState = new URL(fromA.location).searchParams.get('state')!;
    const mixed = new URL(callbackUri);
    mixed.searchParams.set('code', codeFromB.searchParams.get('code')!);
    mixed.searchParams.set('state', ownState);
    mixed.searchParams.set('iss', idpB.issuer);
    const withIss = await hop(fromA.jar, mixed.href);
    expect(errorOf(withIss.location)).toBe('sso_failed');

    const again = await start(a);
    const codeFromB2 = new URL(
      await loginAtIdp(
        new CookieJar(),
        (await start(b)).location,
        `mallory@${b.slug}.example`,
        callbackUri,
      ),
    );
    const noIss = new URL(callbackUri);
    noIss.searchParams.set('code', codeFromB2.searchParams.get('code')!);
    noIss.searchParams.set('state', new URL(again.location).searchParams.get('state')!);
    const withoutIss = await hop(again.jar, noIss.href);
    expect(errorOf(withoutIss.location)).toBe('sso_failed');
    expect(withoutIss.response.headers.getSetCookie().join()).not.toContain('tenantry_refresh=');

    const failures = await audit(a, 'sso.login.failed');
    expect(failures.map((e) => e.details.reason)).toEqual(
      expect.arrayContaining(['issuer_mismatch', 'code_exchange_failed']),
    );
    expect(failures.find((e) => e.details.reason === 'issuer_mismatch')!.details).toMatchObject({
      expected_issuer: idpA.issuer,
      returned_issuer: idpB.issuer,
    });
    // Nobody was provisioned in A from B's IdP.
    const users = await t.http.get('/v1/users').query({ limit: 100 }).set(owner(a)).expect(200);
    expect(users.body.data.map((u: { email: string }) => u.email)).not.toContain(
      `mallory@${b.slug}.example`,
    );
  });

  it('refuses a tampered, missing or replayed state, and a state that does not match its cookie', async () => {
    // Replay: the same callback, cookie and all, a second time.
    const replayJar = new CookieJar();
    const first = await start(a);
    const firstBack = await loginAtIdp(
      first.jar,
      first.location,
      `ana@${a.slug}.example`,
      callbackUri,
    );
    const cookie = first.jar.get(t.url, 'tenantry_sso')!;
    replayJar.set(t.url, 'tenantry_sso', cookie);
    expect((await hop(first.jar, firstBack)).location).toBe(`${t.url}/app/`);
    expect(errorOf((await hop(replayJar, firstBack)).location)).toBe('sso_expired');

    // Tampered: one character of the sealed cookie changed.
    const tampered = await start(a);
    const tamperedBack = await loginAtIdp(
      tampered.jar,
      tampered.location,
      `ana@${a.slug}.example`,
      callbackUri,
    );
    const sealed = tampered.jar.get(t.url, 'tenantry_sso')!;
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    tampered.jar.set(t.url, 'tenantry_sso', flipped);
    expect(errorOf((await hop(tampered.jar, tamperedBack)).location)).toBe('sso_expired');

    // Missing: no cookie at all.
    expect(errorOf((await hop(new CookieJar(), tamperedBack)).location)).toBe('sso_expired');

    // A state other than the cookie's (a valid cookie of another login).
    const other = await start(a);
    const otherBack = new URL(
      await loginAtIdp(other.jar, other.location, `ana@${a.slug}.example`, callbackUri),
    );
    otherBack.searchParams.set('state', 'x'.repeat(43));
    expect(errorOf((await hop(other.jar, otherBack.href)).location)).toBe('sso_failed');

    // Hostile inputs are refused by a redirect, never a 500.
    for (const query of [
      'code=' + 'c'.repeat(5000) + '&state=abc',
      'code[]=1&state[x]=2',
      'error=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    ]) {
      const answer = await hop(new CookieJar(), `${callbackUri}?${query}`);
      expect(answer.status).toBe(302);
      expect(answer.location).not.toContain('script');
    }
    const reasons = (await audit(a, 'sso.login.failed')).map((e) => e.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(['state_replayed', 'state_mismatch']));
  });

  it('turns password login off once SSO worked: non-owners get the one 401, owners keep a password', async () => {
    // A has had a successful SSO login with this issuer and client above.
    const off = await t.http
      .put('/v1/sso')
      .set(owner(a))
      .send({ ...configA(), client_secret: undefined, password_login_enabled: false })
      .expect(200);
    expect(off.body).toMatchObject({ password_login_enabled: false, client_secret_set: true });
    expect((await t.http.get('/auth/login-options').query({ tenant: a.slug })).body).toMatchObject({
      password_login: false,
      sso: true,
    });
    await t.http
      .post('/v1/users')
      .set(owner(a))
      .send({ email: `vic@${a.slug}.example`, role: 'viewer', password: 'viewer passphrase 123' })
      .expect(201);
    const wrongPassword = await t.http
      .post('/auth/login')
      .send({ tenant: a.slug, email: `vic@${a.slug}.example`, password: 'not the passphrase' })
      .expect(401);
    const refused = await t.http
      .post('/auth/login')
      .send({ tenant: a.slug, email: `vic@${a.slug}.example`, password: 'viewer passphrase 123' })
      .expect(401);
    const { requestId: _one, ...refusedBody } = refused.body;
    const { requestId: _other, ...wrongBody } = wrongPassword.body;
    expect(refusedBody).toEqual(wrongBody);
    const failures = await audit(a, 'login.failed');
    expect(failures.some((e) => e.details.reason === 'password_login_disabled')).toBe(true);

    // The break-glass: the owner still logs in with a password.
    await t.http
      .post('/auth/password')
      .send({ token: a.passwordSetToken, password: 'owner break glass passphrase' })
      .expect(204);
    await t.http
      .post('/auth/login')
      .send({
        tenant: a.slug,
        email: `owner@${a.slug}.example`,
        password: 'owner break glass passphrase',
      })
      .expect(200);

    // A new client id needs its own proven login before password login may stay off.
    const moved = await t.http
      .put('/v1/sso')
      .set(owner(a))
      .send({ ...configA(), client_id: 'tenantry-a-2', password_login_enabled: false })
      .expect(409);
    expect(moved.body.errors[0].field).toBe('password_login_enabled');

    // Removing SSO gives everyone their password back.
    await t.http.delete('/v1/sso').set(owner(a)).expect(204);
    await t.http
      .post('/auth/login')
      .send({ tenant: a.slug, email: `vic@${a.slug}.example`, password: 'viewer passphrase 123' })
      .expect(200);
    expect((await audit(a, 'sso.deleted')).length).toBe(1);
    // And SSO is then unavailable for A.
    const gone = await hop(new CookieJar(), `${t.url}/auth/sso/start?tenant=${a.slug}`);
    expect(errorOf(gone.location)).toBe('sso_unavailable');
  });

  it('isolates sso_connections and sso_login_states: another tenant can neither read nor write them', async () => {
    const app = await connectAs('app');
    try {
      await asTenant(app, b.id, async () => {
        expect(
          (await app.query('SELECT * FROM sso_connections')).rows.map((r) => r.tenant_id),
        ).toEqual([b.id]);
        expect(
          (await app.query('SELECT count(*)::int AS n FROM sso_login_states')).rows[0].n,
        ).toBeGreaterThan(0);
      });
      await asTenant(app, a.id, async () => {
        expect(
          (await app.query('SELECT * FROM sso_connections WHERE tenant_id = $1', [b.id])).rowCount,
        ).toBe(0);
        expect(
          (await app.query('SELECT * FROM sso_login_states WHERE tenant_id = $1', [b.id])).rowCount,
        ).toBe(0);
        const updated = await app.query(
          'UPDATE sso_connections SET password_login_enabled = true WHERE tenant_id = $1',
          [b.id],
        );
        expect(updated.rowCount).toBe(0);
        expect(
          (await app.query('DELETE FROM sso_connections WHERE tenant_id = $1', [b.id])).rowCount,
        ).toBe(0);
        expect(
          (await app.query('DELETE FROM sso_login_states WHERE tenant_id = $1', [b.id])).rowCount,
        ).toBe(0);
        await expect(
          app.query(
            `INSERT INTO sso_connections (tenant_id, issuer, client_id, client_secret_ref, default_role)
             VALUES ($1, 'https://evil.example', 'x', 'env:X', 'admin')`,
            [b.id],
          ),
        ).rejects.toMatchObject({ code: '42501' });
      });
      // Nor with no tenant at all.
      expect((await app.query('SELECT * FROM sso_connections')).rowCount).toBe(0);
      expect((await app.query('SELECT * FROM sso_login_states')).rowCount).toBe(0);
    } finally {
      await app.end();
    }
    // B's configuration is untouched.
    expect((await t.http.get('/v1/sso').set(owner(b)).expect(200)).body).toMatchObject({
      configured: true,
      issuer: idpB.issuer,
    });
  });

  it('leaves a configuration dormant on a plan without sso, and provisions no one past the users limit', async () => {
    const overrides = (body: Record<string, unknown>) =>
      t.http.put(`/admin/tenants/${b.id}/overrides`).set(adminAuth).send(body).expect(200);
    await overrides({ features: [] });
    try {
      expect((await t.http.get('/auth/login-options').query({ tenant: b.slug })).body).toEqual({
        password_login: true,
        sso: false,
      });
      const dormant = await hop(new CookieJar(), `${t.url}/auth/sso/start?tenant=${b.slug}`);
      expect(errorOf(dormant.location)).toBe('sso_unavailable');
      await t.http.get('/v1/sso').set(owner(b)).expect(403);
    } finally {
      await overrides({});
    }
    const active = await t.http
      .get('/v1/users')
      .query({ status: 'active', limit: 1 })
      .set(owner(b))
      .expect(200);
    await overrides({ users: active.body.total });
    try {
      const full = await ssoLogin(b, idpB, `one-too-many@${b.slug}.example`);
      expect(errorOf(full.callback.location)).toBe('sso_user_limit');
      // Someone who already has an account still gets in.
      const known = await ssoLogin(b, idpB, `bea@${b.slug}.example`);
      expect(known.callback.location).toBe(`${t.url}/app/`);
    } finally {
      await overrides({});
    }
    const reasons = (await audit(b, 'sso.login.failed')).map((e) => e.details.reason);
    expect(reasons).toContain('users_limit_reached');
  });

  it('reads an issuer with a deadline and a size cap, follows no redirect, and keeps documents a few minutes', async () => {
    // A hostile "IdP" on loopback: an endless document, one that never answers, a redirect.
    const hostile = createServer((request, response) => {
      if (request.url?.startsWith('/big/')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 4 * 1024 * 1024 && response.write(chunk)) sent += chunk.length;
          if (sent < 4 * 1024 * 1024) response.once('drain', pump);
          else response.end();
        };
        pump();
      } else if (request.url?.startsWith('/redirect/')) {
        response.writeHead(302, { location: `${idpA.issuer}/.well-known/openid-configuration` });
        response.end();
      }
      // /slow/: no answer at all.
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
    try {
      const reasons: Record<string, RegExp> = {
        big: /\(IDP_RESPONSE_TOO_LARGE\)$/,
        slow: /\(OAUTH_TIMEOUT\)$/,
        redirect: /\(OAUTH_RESPONSE_IS_NOT_CONFORM\)$/,
      };
      for (const path of Object.keys(reasons)) {
        const response = await t.http
          .put('/v1/sso')
          .set(owner(a))
          .send({ ...configA(), issuer: `${base}/${path}` });
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(response.body.errors[0]).toMatchObject({ field: 'issuer', message: reasons[path] });
      }
    } finally {
      hostile.closeAllConnections();
      await new Promise((resolve) => hostile.close(resolve));
    }
    expect((await t.http.get('/v1/sso').set(owner(a))).body.configured).toBe(false);

    // B's document was read a moment ago: more logins do not read it again.
    const discoveries = async () => {
      const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;
      const line = text
        .split('\n')
        .find((l) => l.startsWith('tenantry_sso_discoveries_total{outcome="read"}'));
      return Number(line?.split(' ')[1] ?? 0);
    };
    await start(b);
    const before = await discoveries();
    for (let i = 0; i < 3; i += 1) await start(b);
    expect(await discoveries()).toBe(before);
  });

  it("ends a login whose tenant was suspended meanwhile at the login page, in the platform's log", async () => {
    const c = await createTenant(t.http, { tier: 'growth' });
    await t.http.put('/v1/sso').set(owner(c)).send(configA()).expect(200);
    const login = await start(c);
    const back = await loginAtIdp(login.jar, login.location, `cy@${c.slug}.example`, callbackUri);
    await t.http
      .patch(`/admin/tenants/${c.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    expect(errorOf((await hop(login.jar, back)).location)).toBe('sso_unavailable');
    const platformLog = await t.http
      .get('/admin/audit-log')
      .query({ limit: 100 })
      .set(adminAuth)
      .expect(200);
    const entry = (
      platformLog.body.data as {
        action: string;
        resource_id: string | null;
        details: Record<string, unknown>;
      }[]
    ).find((e) => e.action === 'sso.login.failed' && e.resource_id === c.id);
    expect(entry?.details).toEqual({ reason: 'tenant_not_active' });
  });

  it("refuses a code issued to another tenant's client at the same IdP", async () => {
    const shared = await createTenant(t.http, { tier: 'growth' });
    await t.http
      .put('/v1/sso')
      .set(owner(shared))
      .send({ ...configA(), client_id: 'tenantry-shared', client_secret: SECRET_SHARED })
      .expect(200);
    await t.http.put('/v1/sso').set(owner(a)).send(configA()).expect(200);
    // The other tenant's user gets a code for the other tenant's client...
    const theirs = await start(shared);
    const theirCode = new URL(
      await loginAtIdp(theirs.jar, theirs.location, `eve@${shared.slug}.example`, callbackUri),
    );
    expect(theirCode.searchParams.get('iss')).toBe(idpA.issuer);
    // ...and brings it to A's login: same issuer, so only the client binding stops it.
    const ours = await start(a);
    const mixed = new URL(callbackUri);
    mixed.searchParams.set('code', theirCode.searchParams.get('code')!);
    mixed.searchParams.set('state', new URL(ours.location).searchParams.get('state')!);
    mixed.searchParams.set('iss', idpA.issuer);
    const answer = await hop(ours.jar, mixed.href);
    expect(errorOf(answer.location)).toBe('sso_failed');
    expect(answer.response.headers.getSetCookie().join()).not.toContain('tenantry_refresh=');
    const [failure] = await audit(a, 'sso.login.failed');
    expect(failure.details).toMatchObject({ reason: 'code_exchange_failed' });
    const users = await t.http.get('/v1/users').query({ limit: 100 }).set(owner(a)).expect(200);
    expect(users.body.data.map((u: { email: string }) => u.email)).not.toContain(
      `eve@${shared.slug}.example`,
    );
  });

  it("offers no other tenant SSO on a tenant's verified custom domain", async () => {
    const domain = `login-${Date.now().toString(36)}.sso-b.example`;
    const db = await connectAs('owner');
    try {
      await db.query('BEGIN');
      await db.query("SELECT set_config('app.tenant_id', $1, true)", [b.id]);
      await db.query(
        `INSERT INTO custom_domains (tenant_id, hostname, verification_token, status, verified_at)
         VALUES ($1, $2, repeat('t', 32), 'verified', now())`,
        [b.id, domain],
      );
      await db.query('COMMIT');
    } finally {
      await db.end();
    }
    // B's own domain names B.
    const own = await t.http.get('/auth/login-options').set('Host', domain).expect(200);
    expect(own.body).toMatchObject({
      sso: true,
      sso_start_url: `/auth/sso/start?tenant=${b.slug}`,
    });
    // A on B's domain: as if A had no SSO, and the attempt is in B's log.
    const foreign = await t.http
      .get('/auth/login-options')
      .query({ tenant: a.slug })
      .set('Host', domain)
      .expect(200);
    expect(foreign.body).toEqual({ password_login: true, sso: false });
    const started = await t.http
      .get('/auth/sso/start')
      .query({ tenant: a.slug })
      .set('Host', domain)
      .expect(302);
    expect(started.headers.location).toBe('/app/login?error=sso_unavailable');
    expect(started.headers['set-cookie']).toBeUndefined();
    // A login started for A elsewhere cannot finish on B's domain either.
    const ours = await start(a);
    const back = new URL(
      await loginAtIdp(ours.jar, ours.location, `ana@${a.slug}.example`, callbackUri),
    );
    const finish = await t.http
      .get(`/auth/sso/callback${back.search}`)
      .set('Host', domain)
      .set('Cookie', `tenantry_sso=${ours.jar.get(t.url, 'tenantry_sso')}`)
      .expect(302);
    expect(finish.headers.location).toBe('/app/login?error=sso_unavailable');
    expect(String(finish.headers['set-cookie'] ?? '')).not.toContain('tenantry_refresh=');
    const refusals = await audit(b, 'custom_domain.foreign_credential_refused');
    expect(refusals.filter((e) => e.details.hostname === domain).length).toBeGreaterThanOrEqual(2);
  });
});
