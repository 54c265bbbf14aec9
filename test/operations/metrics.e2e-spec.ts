import request from 'supertest';
import { MetricsListener } from '../../src/metrics/metrics.listener';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const scraper = bearer(TEST_METRICS_TOKEN);

/** What an anonymous caller learns from /metrics: its status and body, request id aside. */
async function anonymousView(t: TestApp): Promise<{ status: number; body: unknown }> {
  const response = await t.http.get('/metrics');
  const { requestId: _ignored, ...body } = (response.body ?? {}) as Record<string, unknown>;
  return { status: response.status, body: response.text.startsWith('{') ? body : response.text };
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses a scrape without the token, or with a wrong one', async () => {
    const anonymous = await t.http.get('/metrics').expect(401);
    expect(anonymous.text).not.toContain('process_cpu_seconds_total');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    await t.http
      .get('/metrics')
      .set(bearer('x'.repeat(TEST_METRICS_TOKEN.length)))
      .expect(401);
    await t.http
      .get('/metrics')
      .set(bearer(`${TEST_METRICS_TOKEN}x`))
      .expect(401);
    // A tenant's own credential is not a scrape token.
    const tenant = await createTenant(t.http);
    await t.http
      .get('/metrics')
      .set(bearer(tenantToken(tenant.id)))
      .expect(401);
  });

  it('exposes process metrics and request latency by route template and status, without tenant ids', async () => {
    const tenant = await createTenant(t.http);
    await t.http
      .get('/v1/settings')
      .set(bearer(tenantToken(tenant.id)))
      .expect(200);
    await t.http.get(`/admin/tenants/${tenant.id}`).expect(401);
    const response = await t.http.get('/metrics').set(scraper).expect(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.text).toContain('process_cpu_seconds_total');
    expect(response.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*method="GET"[^}]*route="\/v1\/settings"[^}]*status="200"[^}]*\} [1-9]/,
    );
    expect(response.text).toMatch(/route="\/admin\/tenants\/:id",status="401"/);
    expect(response.text).not.toContain(tenant.id);
  });

  it("shows an anonymous caller nothing that moves when an id turns out to be another tenant's", async () => {
    const caller = await createTenant(t.http);
    const target = await createTenant(t.http);
    const before = await anonymousView(t);
    // The target's owner id, named by the caller: a cross-tenant attempt (404, audited there).
    await t.http
      .get(`/v1/users/${target.ownerId}`)
      .set(bearer(tenantToken(caller.id)))
      .expect(404);
    expect(await anonymousView(t)).toEqual(before);
  });

  it('counts cross-tenant attempts with no label naming what was probed', async () => {
    const text = (await t.http.get('/metrics').set(scraper).expect(200)).text;
    const series = text
      .split('\n')
      .filter((line) => line.startsWith('tenantry_cross_tenant_attempts_total'));
    expect(series.length).toBeGreaterThan(0);
    for (const line of series) {
      const labels = [...(/\{([^}]*)\}/.exec(line)?.[1] ?? '').matchAll(/(\w+)="/g)].map(
        (m) => m[1],
      );
      expect(labels).toEqual(['service']);
    }
  });
});

describe('metrics on a port of their own (METRICS_PORT)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' } });
  });
  afterAll(() => t.close());

  it('serves /metrics on the loopback listener, with the same token, and nothing else there', async () => {
    const address = t.app.get(MetricsListener).address();
    expect(address?.host).toBe('127.0.0.1');
    const scrape = request(`http://127.0.0.1:${address?.port}`);
    await scrape.get('/metrics').expect(401);
    const response = await scrape.get('/metrics').set(scraper).expect(200);
    expect(response.text).toContain('process_cpu_seconds_total');
    await scrape.get('/v1/settings').set(scraper).expect(404);
  });
});
