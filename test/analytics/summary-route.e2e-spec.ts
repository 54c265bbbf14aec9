import { anEvent } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** GET /v1/analytics/summary over HTTP, on the embedded path (no Kafka, PostgreSQL store). */
describe('GET /v1/analytics/summary', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
  });
  afterAll(() => t.close());

  it("answers with this period's numbers and the previous period's, for the caller's tenant only", async () => {
    const tenant = await createTenant(t.http);
    const other = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const hour = 3_600_000;
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: [
          anEvent({
            user_id: 'u1',
            session_id: 's1',
            timestamp: at(1 * hour),
            properties: { country: 'US' },
          }),
          anEvent({
            user_id: 'u1',
            session_id: 's1',
            timestamp: at(2 * hour),
            properties: { country: 'US' },
          }),
          anEvent({
            user_id: 'u2',
            session_id: 's2',
            timestamp: at(3 * hour),
            properties: { country: 'DE' },
          }),
          // The previous period (the day before the last 24 hours):
          anEvent({
            user_id: 'u3',
            session_id: 's3',
            timestamp: at(30 * hour),
            properties: { country: 'JP' },
          }),
        ],
      })
      .expect(202);
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(other.id)))
      .send({ events: [anEvent()] })
      .expect(202);

    const response = await t.http
      .get('/v1/analytics/summary')
      .query({ from: at(24 * hour), to: at(-60_000) })
      .set(auth)
      .expect(200);
    expect(response.body.metrics).toEqual({
      events: { value: 3, previous: 1 },
      users: { value: 2, previous: 1 },
      sessions: { value: 2, previous: 1 },
      events_per_user: { value: 1.5, previous: 1 },
    });
    expect(response.body.timezone).toBe('UTC');

    const germany = await t.http
      .get('/v1/analytics/summary')
      .query({ from: at(24 * hour), 'property.country': 'DE' })
      .set(auth)
      .expect(200);
    expect(germany.body.metrics.events).toEqual({ value: 1, previous: 0 });
  });

  it('answers 400 naming each bad parameter, and states the retention limit', async () => {
    const tenant = await createTenant(t.http); // starter: 90 days
    const auth = bearer(tenantToken(tenant.id));
    const bad = await t.http
      .get('/v1/analytics/summary')
      .query({ from: 'last week', event_type: 'Not A Type', colour: 'red' })
      .set(auth)
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'colour',
      'event_type',
      'from',
    ]);
    const old = await t.http
      .get('/v1/analytics/summary')
      .query({ from: '2020-01-01T00:00:00Z' })
      .set(auth)
      .expect(400);
    expect(old.body.errors[0]).toMatchObject({
      field: 'from',
      message: expect.stringMatching(/90-day retention/),
    });
  });

  it('GET /v1/analytics/timeseries zero-fills buckets in the tenant timezone and refuses too many', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    await t.http.patch('/v1/settings').set(auth).send({ timezone: 'Asia/Kolkata' }).expect(200);
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: [
          anEvent({ timestamp: '2026-11-23T05:00:00Z' }), // 10:30 in Kolkata
          anEvent({ timestamp: '2026-11-23T05:20:00Z' }), // 10:50
          anEvent({ timestamp: '2026-11-23T07:40:00Z' }), // 13:10
        ],
      })
      .expect(202);
    const response = await t.http
      .get('/v1/analytics/timeseries')
      .query({ from: '2026-11-23T04:30:00Z', to: '2026-11-23T08:30:00Z', interval: 'hour' })
      .set(auth)
      .expect(200);
    expect(response.body).toMatchObject({
      timezone: 'Asia/Kolkata',
      metric: 'events',
      interval: 'hour',
    });
    expect(response.body.buckets).toEqual([
      { start: '2026-11-23T04:30:00.000Z', value: 2 }, // 10:00-11:00 local
      { start: '2026-11-23T05:30:00.000Z', value: 0 },
      { start: '2026-11-23T06:30:00.000Z', value: 0 },
      { start: '2026-11-23T07:30:00.000Z', value: 1 }, // 13:00-14:00 local
    ]);
    const tooFine = await t.http
      .get('/v1/analytics/timeseries')
      .query({ from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z', interval: 'minute' })
      .set(auth)
      .expect(400);
    expect(tooFine.body.errors[0]).toMatchObject({
      field: 'interval',
      message: expect.stringMatching(/at most 1000 buckets/),
    });
    const bad = await t.http
      .get('/v1/analytics/timeseries')
      .query({ metric: 'revenue', interval: 'fortnight' })
      .set(auth)
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['metric', 'interval']);
  });

  it('GET /v1/analytics/breakdown gives top values with counts and share, and names bad parameters', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const countries = ['DE', 'DE', 'DE', 'US', 'US', 'JP'];
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({ events: countries.map((country) => anEvent({ properties: { country } })) })
      .expect(202);
    const response = await t.http
      .get('/v1/analytics/breakdown')
      .query({ dimension: 'property.country', limit: '2' })
      .set(auth)
      .expect(200);
    expect(response.body).toMatchObject({
      dimension: 'property.country',
      total_events: 6,
      rows: [
        { value: 'DE', events: 3, share: 0.5 },
        { value: 'US', events: 2, share: 0.3333 },
      ],
    });
    const bad = await t.http
      .get('/v1/analytics/breakdown')
      .query({ dimension: 'colour', limit: '0' })
      .set(auth)
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['dimension', 'limit']);
  });
});
