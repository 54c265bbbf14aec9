import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const DAY = 86_400_000;

/**
 * Issue 11, finding 1: a range is checked before any work is sized from it. `to` may reach at
 * most a day ahead and `to − from` at most the plan's retention, on every analytics route; a
 * refusal is a 400 naming the field with the limit (embedded path: PostgreSQL store, rollups).
 */
describe('analytics range limits', () => {
  let t: TestApp;
  let auth: { Authorization: string };
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    // Starter's 90 days, with funnels and retention granted by an override (starter lacks them).
    const tenant = await createTenant(t.http);
    await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({ features: ['funnels_retention'] })
      .expect(200);
    auth = bearer(tenantToken(tenant.id));
  });
  afterAll(() => t.close());

  const iso = (at: number) => new Date(at).toISOString();
  const routes: [
    string,
    (
      query: Record<string, string>,
    ) => Promise<{ status: number; body: { errors?: { field: string; message: string }[] } }>,
  ][] = [
    ['summary', (query) => t.http.get('/v1/analytics/summary').query(query).set(auth)],
    [
      'timeseries',
      (query) =>
        t.http
          .get('/v1/analytics/timeseries')
          .query({ ...query, interval: 'week' })
          .set(auth),
    ],
    ['breakdown', (query) => t.http.get('/v1/analytics/breakdown').query(query).set(auth)],
    [
      'funnel',
      (query) =>
        t.http
          .post('/v1/analytics/funnel')
          .query(query)
          .set(auth)
          .send({ steps: ['signup', 'purchase'], window_seconds: 3600 }),
    ],
    [
      'retention',
      (query) =>
        t.http
          .get('/v1/analytics/retention')
          .query({ ...query, interval: 'week' })
          .set(auth),
    ],
  ];

  it.each(routes)(
    '%s refuses a `to` past now + 1 day, naming it with the limit',
    async (_, call) => {
      const now = Date.now();
      for (const to of [iso(now + 2 * DAY), '9999-12-31T00:00:00Z']) {
        const response = await call({ from: iso(now - 80 * DAY), to });
        expect({ to, status: response.status }).toEqual({ to, status: 400 });
        expect(response.body.errors).toEqual([
          {
            field: 'to',
            message: expect.stringMatching(/at most 1 day ahead; the latest is \d{4}-/),
          },
        ]);
      }
    },
  );

  it.each(routes)('%s refuses a range longer than the retention, naming `to`', async (_, call) => {
    const now = Date.now();
    const response = await call({ from: iso(now - 89.5 * DAY), to: iso(now + 0.75 * DAY) });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'to', message: expect.stringMatching(/at most 90 days \(this plan's retention\)/) },
    ]);
  });

  it.each(routes)('%s still answers up to a day ahead and the whole retention', async (_, call) => {
    const now = Date.now();
    expect((await call({ from: iso(now - 2 * DAY), to: iso(now + 0.5 * DAY) })).status).toBe(200);
    expect((await call({ from: iso(now - 89.5 * DAY), to: iso(now + 0.25 * DAY) })).status).toBe(
      200,
    );
  });
});
