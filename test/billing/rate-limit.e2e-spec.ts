import { randomUUID } from 'node:crypto';
import { anEvent } from '../support/ingestion';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  tenantToken,
  type TestApp,
} from '../support/test-app';

const scraper = { Authorization: `Bearer ${TEST_METRICS_TOKEN}` };

/**
 * The per-tenant API rate limit at the plans' own figures (starter: 100 requests per minute),
 * counted in Redis by two app copies. Each test takes a fresh tenant, so a fresh budget.
 */
describe('per-tenant API rate limit', () => {
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    expect(process.env.REDIS_URL).toBeTruthy(); // the local stack always runs Redis
    one = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', TENANT_RATE_LIMIT_PER_MINUTE: 'plan' },
    });
    two = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', TENANT_RATE_LIMIT_PER_MINUTE: 'plan' },
    });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  const headersOf = (response: { headers: Record<string, string> }) => ({
    limit: Number(response.headers['ratelimit-limit']),
    remaining: Number(response.headers['ratelimit-remaining']),
    reset: Number(response.headers['ratelimit-reset']),
  });

  /** Spends `count` requests of the tenant's budget (GET /v1/settings, alternating copies). */
  async function spend(auth: { Authorization: string }, count: number): Promise<void> {
    for (let i = 0; i < count; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, count - i) }, (_, j) =>
          ((i + j) % 2 ? two : one).http.get('/v1/settings').set(auth).expect(200),
        ),
      );
    }
  }

  async function metric(name: string, labels = ''): Promise<number> {
    const text = (await one.http.get('/metrics').set(scraper).expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('counts every credential of the tenant in one budget shared by both app copies, and says so in headers', async () => {
    const tenant = await createTenant(one.http);
    const owner = bearer(tenantToken(tenant.id));
    const first = await one.http.get('/v1/settings').set(owner).expect(200);
    expect(headersOf(first)).toEqual({ limit: 100, remaining: 99, reset: expect.any(Number) });
    expect(headersOf(first).reset).toBeGreaterThanOrEqual(59);
    expect(headersOf(first).reset).toBeLessThanOrEqual(60);

    // An API key of the same tenant, on the other copy, draws from the same budget.
    const created = await two.http
      .post('/v1/api-keys')
      .set(owner)
      .send({ name: 'reader', scopes: ['settings:read'] })
      .expect(201);
    expect(headersOf(created).remaining).toBe(98);
    const viaKey = await two.http
      .get('/v1/settings')
      .set({ 'X-API-Key': created.body.key })
      .expect(200);
    expect(headersOf(viaKey)).toMatchObject({ limit: 100, remaining: 97 });
    // Reset counts down to when the oldest counted request leaves the minute.
    expect(headersOf(viaKey).reset).toBeLessThanOrEqual(60);
  });

  it('refuses the 101st request of the minute with 429, Retry-After and the house error body, doing no work', async () => {
    const tenant = await createTenant(one.http);
    const owner = bearer(tenantToken(tenant.id));
    const refusalsBefore = await metric('tenantry_rate_limit_refusals_total', '{tier="starter"');
    await spend(owner, 100);

    const refused = await two.http.get('/v1/settings').set(owner).expect(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('100 API requests per minute'),
      tier: 'starter',
      limit: 100,
      retry_after: expect.any(Number),
      requestId: expect.any(String),
    });
    expect(refused.body.retry_after).toBeGreaterThanOrEqual(1);
    expect(refused.body.retry_after).toBeLessThanOrEqual(60);
    expect(Number(refused.headers['retry-after'])).toBe(refused.body.retry_after);
    expect(headersOf(refused)).toEqual({
      limit: 100,
      remaining: 0,
      reset: refused.body.retry_after,
    });

    // A refused write changes nothing: the handler never ran.
    await one.http.patch('/v1/settings').set(owner).send({ timezone: 'Asia/Tokyo' }).expect(429);
    // Platform admins acting on the tenant are not counted against it and see no such headers.
    const asAdmin = await one.http
      .get('/v1/settings')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(asAdmin.body.timezone).not.toBe('Asia/Tokyo');
    expect(asAdmin.headers['ratelimit-limit']).toBeUndefined();

    // Public routes and other tenants are untouched.
    await one.http.get('/health/live').expect(200);
    const other = await createTenant(one.http);
    const otherAnswer = await two.http
      .get('/v1/settings')
      .set(bearer(tenantToken(other.id)))
      .expect(200);
    expect(headersOf(otherAnswer).remaining).toBe(99);

    expect(
      await metric('tenantry_rate_limit_refusals_total', '{tier="starter"'),
    ).toBeGreaterThanOrEqual(refusalsBefore + 2);
    const text = (await one.http.get('/metrics').set(scraper).expect(200)).text;
    // By tier only: no tenant in the label set.
    const labelSets = text
      .split('\n')
      .filter((l) => l.startsWith('tenantry_rate_limit_refusals_total{'))
      .map((l) => [...l.matchAll(/(\w+)="/g)].map((m) => m[1]).sort());
    expect(labelSets.length).toBeGreaterThan(0);
    for (const labels of labelSets) expect(labels).toEqual(['service', 'tier']);
  });

  it('puts the headers on error answers after the limiter too, and counts an event batch as one request', async () => {
    const tenant = await createTenant(one.http);
    const owner = bearer(tenantToken(tenant.id));
    const missing = await one.http.get(`/v1/dashboards/${randomUUID()}`).set(owner).expect(404);
    expect(headersOf(missing)).toMatchObject({ limit: 100, remaining: 99 });
    const invalid = await two.http
      .patch('/v1/settings')
      .set(owner)
      .send({ timezone: 'Mars/Olympus' })
      .expect(400);
    expect(headersOf(invalid)).toMatchObject({ limit: 100, remaining: 98 });

    const batch = await one.http
      .post('/v1/events')
      .set(owner)
      .send({ events: Array.from({ length: 50 }, () => anEvent()) })
      .expect(202);
    expect(batch.body.accepted).toBe(50);
    expect(headersOf(batch)).toMatchObject({ limit: 100, remaining: 97 });

    // Refused before authentication: no tenant yet, nothing counted, no headers.
    const anonymous = await one.http.get('/v1/settings').expect(401);
    expect(anonymous.headers['ratelimit-limit']).toBeUndefined();
  });

  it('takes one figure for every tenant, or none, from TENANT_RATE_LIMIT_PER_MINUTE', async () => {
    const tenant = await createTenant(one.http);
    const auth = bearer(tenantToken(tenant.id));
    const fixed = await createTestApp({ env: { TENANT_RATE_LIMIT_PER_MINUTE: '7' } });
    const off = await createTestApp({ env: { TENANT_RATE_LIMIT_PER_MINUTE: 'off' } });
    try {
      const counted = await fixed.http.get('/v1/settings').set(auth).expect(200);
      expect(headersOf(counted)).toMatchObject({ limit: 7, remaining: 6 });
      const uncounted = await off.http.get('/v1/settings').set(auth).expect(200);
      expect(uncounted.headers['ratelimit-limit']).toBeUndefined();
      // The plan's copies saw neither: the same window, now at the plan's figure.
      const planned = await one.http.get('/v1/settings').set(auth).expect(200);
      expect(headersOf(planned)).toMatchObject({ limit: 100, remaining: 98 });
    } finally {
      await fixed.close();
      await off.close();
    }
  });
});
