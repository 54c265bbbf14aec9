import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('exposes process metrics and request latency by route template and status, without tenant ids', async () => {
    const tenant = await createTenant(t.http);
    await t.http
      .get('/v1/settings')
      .set(bearer(tenantToken(tenant.id)))
      .expect(200);
    await t.http.get(`/admin/tenants/${tenant.id}`).expect(401);
    const response = await t.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.text).toContain('process_cpu_seconds_total');
    expect(response.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*method="GET"[^}]*route="\/v1\/settings"[^}]*status="200"[^}]*\} [1-9]/,
    );
    expect(response.text).toMatch(/route="\/admin\/tenants\/:id",status="401"/);
    expect(response.text).not.toContain(tenant.id);
  });
});
