import { randomUUID } from 'node:crypto';
import { anEvent } from '../support/ingestion';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { guestToken, signGuestToken } from './embed-support';

interface Widget {
  id: string;
  kind: string;
}

/**
 * POST /v1/guest-token and the /embed routes over HTTP: what a token opens, what it never opens,
 * the refusals (as HTML on the page, JSON on the data route) and the embedding headers.
 */
describe('guest tokens and /embed', () => {
  let t: TestApp;
  let tenant: { id: string };
  let other: { id: string };
  let auth: { Authorization: string };
  let otherAuth: { Authorization: string };
  let dashboard: { id: string; widgets: Widget[] };
  let second: { id: string; widgets: Widget[] };
  let foreign: { id: string; widgets: Widget[] };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    // Enterprise: a theme of its own (white label) on its embedded dashboards.
    tenant = await createTenant(t.http, { tier: 'enterprise' });
    other = await createTenant(t.http);
    auth = bearer(tenantToken(tenant.id));
    otherAuth = bearer(tenantToken(other.id));
    const make = async (who: { Authorization: string }, name: string) =>
      (
        await t.http
          .post('/v1/dashboards')
          .set(who)
          .send({
            name,
            widgets: [
              { kind: 'kpi', metric: 'events', options: { range_days: 1 } },
              { kind: 'breakdown', options: { dimension: 'property.country', range_days: 1 } },
            ],
          })
          .expect(201)
      ).body;
    dashboard = await make(auth, 'Embedded');
    second = await make(auth, 'Second');
    foreign = await make(otherAuth, 'Foreign');
    await t.http
      .put('/v1/branding')
      .set(auth)
      .send({
        primary_color: '#0f766e',
        accent_color: '#f97316',
        background_color: '#ffffff',
        text_color: '#111827',
        embed_origins: ['https://app.customer.example', 'http://localhost:5173'],
      })
      .expect(200);
    const countries = ['DE', 'DE', 'US', 'FR'];
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({ events: countries.map((country) => anEvent({ properties: { country } })) })
      .expect(202);
  });
  afterAll(() => t.close());

  const widgetUrl = (d: { id: string; widgets: Widget[] }, index = 0) =>
    `/embed/api/dashboards/${d.id}/widgets/${d.widgets[index].id}`;

  it('issues a 5-minute token with the embed URL, and audits the issuance', async () => {
    const before = Date.now();
    const issued = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { email: 'Jane@Customer.example' },
      filters: { country: 'DE' },
    });
    const expires = Date.parse(issued.expires_at);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 299_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 301_000);
    expect(issued.embed_url).toBe(
      `${t.url}/embed/dashboards/${dashboard.id}?token=${encodeURIComponent(issued.token)}`,
    );
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({
      iss: 'tenantry',
      aud: 'embed',
      tenant_id: tenant.id,
      dashboard_id: dashboard.id,
      embed_user: { email: 'jane@customer.example' },
      filters: { country: 'DE' },
    });
    expect(payload.exp - payload.iat).toBe(300);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'guest_token.issued' })
      .set(auth)
      .expect(200);
    expect(log.body.data[0]).toMatchObject({
      resource_type: 'dashboard',
      resource_id: dashboard.id,
      details: { embed_user: { email: 'jane@customer.example' }, filters: { country: 'DE' } },
    });
  });

  it('gives every token its own random jti, named in its issuance audit entry (finding 9b)', async () => {
    const jtiOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti as string;
    const request = { dashboard_id: dashboard.id, user: { id: 'same-user' } };
    const first = jtiOf((await guestToken(t.http, auth, request)).token);
    const second = jtiOf((await guestToken(t.http, auth, request)).token);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'guest_token.issued', limit: 2 })
      .set(auth)
      .expect(200);
    expect(log.body.data.map((e: { details: { jti?: string } }) => e.details.jti).sort()).toEqual(
      [first, second].sort(),
    );
  });

  it('refuses a token without a jti, even one signed with the right key (not issued here)', async () => {
    const withoutJti = signGuestToken({
      tenant_id: tenant.id,
      dashboard_id: dashboard.id,
      jti: undefined,
    });
    const response = await t.http.get(widgetUrl(dashboard)).set(bearer(withoutJti)).expect(401);
    expect(response.body.reason).toBe('invalid');
    const withJti = signGuestToken({ tenant_id: tenant.id, dashboard_id: dashboard.id });
    await t.http.get(widgetUrl(dashboard)).set(bearer(withJti)).expect(200);
  });

  it('refuses bad requests with 400 naming the field, and unknown or foreign dashboards with 404', async () => {
    const bad = await t.http
      .post('/v1/guest-token')
      .set(auth)
      .send({
        dashboard_id: 'nope',
        user: { email: 'not-an-email' },
        filters: { 'bad key': 'x' },
      })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'dashboard_id',
      'filters',
      'user.email',
    ]);
    for (const user of [{}, { email: 'a@b.example', id: 'x' }]) {
      const refused = await t.http
        .post('/v1/guest-token')
        .set(auth)
        .send({ dashboard_id: dashboard.id, user })
        .expect(400);
      expect(refused.body.errors[0].field).toBe('user');
    }
    const tooLong = await t.http
      .post('/v1/guest-token')
      .set(auth)
      .send({ dashboard_id: dashboard.id, user: { id: 'u' }, filters: { k: 'x'.repeat(257) } })
      .expect(400);
    expect(tooLong.body.errors[0]).toMatchObject({ field: 'filters' });
    await t.http
      .post('/v1/guest-token')
      .set(auth)
      .send({ dashboard_id: randomUUID(), user: { id: 'u' } })
      .expect(404);
    await t.http
      .post('/v1/guest-token')
      .set(auth)
      .send({ dashboard_id: foreign.id, user: { id: 'u' } })
      .expect(404);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'cross_tenant_attempt' })
      .set(otherAuth)
      .expect(200);
    expect(log.body.data[0]).toMatchObject({ resource_type: 'dashboard', resource_id: foreign.id });
  });

  it('refuses a key with dashboards:read alone: the token shows analytics, so minting needs analytics:read too', async () => {
    const key = await t.http
      .post('/v1/api-keys')
      .set(auth)
      .send({ name: 'dashboards only', scopes: ['dashboards:read'] })
      .expect(201);
    const refused = await t.http
      .post('/v1/guest-token')
      .set('X-API-Key', key.body.key)
      .send({ dashboard_id: dashboard.id, user: { id: 'k' } })
      .expect(403);
    expect(refused.body.message).toBe('Missing permission: analytics:read');
  });

  it('lets a viewer and a dashboards:read + analytics:read API key issue tokens', async () => {
    const viewer = bearer(tenantToken(tenant.id, { claims: { role: 'viewer' } }));
    await guestToken(t.http, viewer, { dashboard_id: dashboard.id, user: { id: 'v' } });
    const key = await t.http
      .post('/v1/api-keys')
      .set(auth)
      .send({ name: 'embed backend', scopes: ['dashboards:read', 'analytics:read'] })
      .expect(201);
    await guestToken(
      t.http,
      { 'X-API-Key': key.body.key },
      {
        dashboard_id: dashboard.id,
        user: { id: 'k' },
      },
    );
  });

  it('is refused by every tenant and admin route', async () => {
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
    });
    for (const path of [
      '/v1/settings',
      '/v1/dashboards',
      `/v1/dashboards/${dashboard.id}`,
      '/v1/analytics/summary',
      '/auth/me',
    ]) {
      const response = await t.http.get(path).set(bearer(token));
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
    await t.http.get('/admin/tenants').set(bearer(token)).expect(401);
    // Every operation of the API that takes a credential, present and future: 401.
    const document = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-access'?: { kind: string } }>>;
    };
    const accepted: string[] = [];
    let probed = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (operation['x-access']?.kind === 'public') continue;
        const concrete = path.replace(/\{[^}]+\}/g, dashboard.id);
        const call = t.http[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete).set(
          bearer(token),
        );
        const response = await (method === 'get' || method === 'delete' ? call : call.send({}));
        probed += 1;
        if (response.status !== 401) accepted.push(`${method} ${path}: ${response.status}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(probed).toBeGreaterThan(25);
    await t.http
      .post('/v1/guest-token')
      .set(bearer(token))
      .send({ dashboard_id: dashboard.id, user: { id: 'u' } })
      .expect(401);
    // And a tenant access token is no guest token.
    await t.http.get(widgetUrl(dashboard)).set(auth).expect(401);
  });

  it("serves the dashboard page with the tenant's colours and framing origins, and a script with integrity", async () => {
    const { token, embed_url } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
    });
    const page = await t.http.get(embed_url.slice(t.url.length)).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain(
      "frame-ancestors 'self' https://app.customer.example http://localhost:5173",
    );
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBeUndefined();
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('--tenantry-primary: #0f766e');
    expect(page.text).toContain('<h1 id="dashboard-name">Embedded</h1>');
    expect(page.text).not.toContain('<script>');
    const script =
      /<script src="(\/embed\/assets\/embed\.[0-9a-f]{16}\.js)" integrity="(sha384-[^"]+)"/.exec(
        page.text,
      );
    expect(script).not.toBeNull();
    const asset = await t.http.get(script![1]).expect(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    const { createHash } = await import('node:crypto');
    expect(`sha384-${createHash('sha384').update(asset.text).digest('base64')}`).toBe(script![2]);
    await t.http.get('/embed/assets/embed.0000000000000000.js').expect(404);
    expect(page.text).toContain(token);
  });

  it('answers each widget of its own dashboard, with the token filters forced on', async () => {
    const all = await guestToken(t.http, auth, { dashboard_id: dashboard.id, user: { id: 'u' } });
    const germany = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
      filters: { country: 'DE' },
    });
    const kpi = await t.http.get(widgetUrl(dashboard, 0)).set(bearer(all.token)).expect(200);
    expect(kpi.body).toMatchObject({ kind: 'kpi', metric: 'events', value: 4 });
    const filtered = await t.http
      .get(widgetUrl(dashboard, 0))
      .set(bearer(germany.token))
      .expect(200);
    expect(filtered.body.value).toBe(2);
    const breakdown = await t.http.get(widgetUrl(dashboard, 1)).set(bearer(all.token)).expect(200);
    expect(breakdown.body.rows).toEqual([
      { value: 'DE', events: 2, share: 0.5 },
      { value: 'FR', events: 1, share: 0.25 },
      { value: 'US', events: 1, share: 0.25 },
    ]);
    // Query parameters cannot widen or change the stored query.
    const tampered = await t.http
      .get(widgetUrl(dashboard, 0))
      .query({ 'property.country': 'US', from: '2020-01-01T00:00:00Z' })
      .set(bearer(germany.token))
      .expect(200);
    expect(tampered.body.value).toBe(2);
  });

  it('refuses the data route: no, bad or expired token 401; other dashboard 403; unknown widget or foreign dashboard 404', async () => {
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
    });
    const expired = signGuestToken({
      tenant_id: tenant.id,
      dashboard_id: dashboard.id,
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    const forged = signGuestToken(
      { tenant_id: tenant.id, dashboard_id: dashboard.id },
      { secret: 'another secret of at least thirty-two characters' },
    );
    const wrongAudience = signGuestToken(
      { tenant_id: tenant.id, dashboard_id: dashboard.id },
      { audience: 'tenantry-api' },
    );
    const cases: [string, Record<string, string>, number, string][] = [
      ['no token', {}, 401, 'missing'],
      ['expired', bearer(expired), 401, 'expired'],
      ['forged', bearer(forged), 401, 'invalid'],
      ['wrong audience', bearer(wrongAudience), 401, 'invalid'],
    ];
    for (const [name, headers, status, reason] of cases) {
      const response = await t.http.get(widgetUrl(dashboard)).set(headers);
      expect({ name, status: response.status, reason: response.body.reason }).toEqual({
        name,
        status,
        reason,
      });
    }
    const otherDashboard = await t.http.get(widgetUrl(second)).set(bearer(token)).expect(403);
    expect(otherDashboard.body.reason).toBe('other_dashboard');
    await t.http
      .get(`/embed/api/dashboards/${dashboard.id}/widgets/${second.widgets[0].id}`)
      .set(bearer(token))
      .expect(404);
    await t.http
      .get(`/embed/api/dashboards/${dashboard.id}/widgets/not-a-uuid`)
      .set(bearer(token))
      .expect(404);
    const foreignResponse = await t.http.get(widgetUrl(foreign)).set(bearer(token)).expect(404);
    expect(foreignResponse.body.message).not.toContain('Foreign');
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'cross_tenant_attempt' })
      .set(otherAuth)
      .expect(200);
    expect(log.body.data[0]).toMatchObject({
      resource_type: 'dashboard',
      resource_id: foreign.id,
      actor_type: 'anonymous',
      actor_id: 'guest:u',
    });
  });

  it('shows a refusal page with the reason and no script for a bad, expired, foreign or misused token', async () => {
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
    });
    const expired = signGuestToken({
      tenant_id: tenant.id,
      dashboard_id: dashboard.id,
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    const cases: [string, string, number, RegExp][] = [
      ['no token', `/embed/dashboards/${dashboard.id}`, 401, /no access token/],
      ['garbage', `/embed/dashboards/${dashboard.id}?token=abc`, 401, /not valid/],
      ['expired', `/embed/dashboards/${dashboard.id}?token=${expired}`, 401, /expired/],
      [
        'other dashboard',
        `/embed/dashboards/${second.id}?token=${token}`,
        403,
        /another dashboard/,
      ],
      [
        'foreign dashboard',
        `/embed/dashboards/${foreign.id}?token=${token}`,
        404,
        /does not exist/,
      ],
      ['not a uuid', `/embed/dashboards/xyz?token=${token}`, 404, /does not exist/],
    ];
    for (const [name, path, status, message] of cases) {
      const response = await t.http.get(path);
      expect({ name, status: response.status }).toEqual({ name, status });
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toMatch(message);
      expect(response.text).toContain('id="embed-refusal"');
      expect(response.text).not.toContain('<script');
      expect(response.text).not.toContain('Foreign');
    }
  });

  it("refuses a suspended tenant's tokens", async () => {
    const suspended = await createTenant(t.http);
    const list = await t.http
      .get('/v1/dashboards')
      .set(bearer(tenantToken(suspended.id)))
      .expect(200);
    const { token } = await guestToken(t.http, bearer(tenantToken(suspended.id)), {
      dashboard_id: list.body.data[0].id,
      user: { id: 'u' },
    });
    await t.http
      .patch(`/admin/tenants/${suspended.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    const page = await t.http.get(`/embed/dashboards/${list.body.data[0].id}?token=${token}`);
    expect(page.status).toBe(403);
    expect(page.text).toMatch(/currently unavailable/);
  });

  it("allows CORS reads only from the tenant's embed origins", async () => {
    const { token } = await guestToken(t.http, auth, {
      dashboard_id: dashboard.id,
      user: { id: 'u' },
    });
    const allowed = await t.http
      .get(widgetUrl(dashboard))
      .set(bearer(token))
      .set('Origin', 'https://app.customer.example')
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.customer.example');
    expect(allowed.headers.vary).toMatch(/Origin/);
    const other = await t.http
      .get(widgetUrl(dashboard))
      .set(bearer(token))
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http
      .options(widgetUrl(dashboard))
      .set('Origin', 'https://app.customer.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization')
      .expect(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('Authorization');
  });
});
