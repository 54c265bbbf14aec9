import { ANALYTICS_STORE, type AnalyticsStore } from '../../src/analytics/stores/analytics-store';
import { anEvent } from '../support/ingestion';
import { addDays, localInstant, localLabel } from '../support/local-time';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const ZONE = 'Asia/Kolkata';

/** GET /v1/analytics/retention over HTTP on each store, events sent in-process (no Kafka). */
describe.each([
  ['postgres', { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }],
  ['clickhouse', { KAFKA_BROKERS: '' }],
])('GET /v1/analytics/retention on %s', (store, env) => {
  let t: TestApp;
  let auth: { Authorization: string };
  // Local day 0 is 6 days back; the range ends at noon on local day 3.
  const D0 = localLabel(Date.now() - 6 * 86_400_000, 'day', ZONE);
  const local = (k: number, time: string) =>
    localInstant(`${addDays(D0, k)}T${time}`, ZONE).toISOString();
  const range = { from: local(0, '00:00:00'), to: local(3, '12:00:00') };

  beforeAll(async () => {
    t = await createTestApp({ env });
    expect(t.app.get<AnalyticsStore>(ANALYTICS_STORE).kind).toBe(store);
    // Retention comes with growth and enterprise (starter: 403, test/billing).
    const tenant = await createTenant(t.http, { tier: 'growth' });
    auth = bearer(tenantToken(tenant.id));
    await t.http.patch('/v1/settings').set(auth).send({ timezone: ZONE }).expect(200);
    const event = (event_type: string, user_id: string, timestamp: string) =>
      anEvent({ event_type, user_id, timestamp });
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: [
          event('signup', 'a', local(0, '23:59:59')),
          event('page_view', 'a', local(1, '00:00:00')),
          event('page_view', 'a', local(3, '11:00:00')),
          event('signup', 'b', local(0, '10:00:00')),
          event('page_view', 'b', local(0, '11:00:00')),
          event('signup', 'c', local(1, '10:00:00')),
          event('page_view', 'c', local(3, '13:00:00')), // after `to`
          event('signup', 'd', local(3, '00:00:00')),
        ],
      })
      .expect(202);
  });
  afterAll(() => t.close());

  it('answers a cohort table in the tenant timezone, cells after `to` null', async () => {
    const response = await t.http
      .get('/v1/analytics/retention')
      .query({ ...range, cohort_event: 'signup', return_event: 'page_view' })
      .set(auth)
      .expect(200);
    expect(response.body).toEqual({
      from: range.from,
      to: range.to,
      timezone: ZONE,
      interval: 'day',
      cohort_event: 'signup',
      return_event: 'page_view',
      periods: 3,
      cohorts: [
        { start: local(0, '00:00:00'), size: 2, retained: [1, 1, 0, 1] },
        { start: local(1, '00:00:00'), size: 1, retained: [0, 0, 0, null] },
        { start: local(2, '00:00:00'), size: 0, retained: [0, 0, null, null] },
        { start: local(3, '00:00:00'), size: 1, retained: [0, null, null, null] },
      ],
    });
  });

  it('takes fewer periods, weeks, and any event when none is named', async () => {
    const short = await t.http
      .get('/v1/analytics/retention')
      .query({ ...range, cohort_event: 'signup', return_event: 'page_view', periods: '1' })
      .set(auth)
      .expect(200);
    expect(short.body.cohorts.map((c: { retained: unknown[] }) => c.retained)).toEqual([
      [1, 1],
      [0, 0],
      [0, 0],
      [0, null],
    ]);
    const weeks = await t.http
      .get('/v1/analytics/retention')
      .query({ ...range, interval: 'week' })
      .set(auth)
      .expect(200);
    expect(weeks.body.cohort_event).toBeNull();
    for (const cohort of weeks.body.cohorts as { start: string; size: number }[]) {
      expect(localLabel(Date.parse(cohort.start), 'week', ZONE)).toBe(
        localLabel(Date.parse(cohort.start), 'day', ZONE),
      ); // each starts on a local Monday
    }
    const sizes = weeks.body.cohorts.reduce((sum: number, c: { size: number }) => sum + c.size, 0);
    expect(sizes).toBe(4);
  });

  it.each([
    ['a bad interval', { interval: 'minute' }, ['interval']],
    ['periods not a number', { periods: 'x' }, ['periods']],
    ['periods negative', { periods: '-1' }, ['periods']],
    ['periods past the limit', { periods: '180' }, ['periods']],
    ['a bad cohort event', { cohort_event: 'Sign Up' }, ['cohort_event']],
    ['a return event twice', { return_event: ['a', 'b'] }, ['return_event']],
    ['event_type', { event_type: 'signup' }, ['event_type']],
    ['an unknown parameter with a bad from', { colour: 'red', from: 'x' }, ['colour', 'from']],
  ])('answers 400 naming the field: %s', async (_label, query, fields) => {
    const response = await t.http.get('/v1/analytics/retention').query(query).set(auth).expect(400);
    const named = [...new Set(response.body.errors.map((e: { field: string }) => e.field))];
    expect(named.sort()).toEqual(fields);
  });

  it('refuses more than 180 cohorts, stating the limit', async () => {
    // 200 days: within an enterprise plan's retention (ranges end at most a day ahead).
    const enterprise = bearer(tenantToken((await createTenant(t.http, { tier: 'enterprise' })).id));
    const query = {
      from: new Date(Date.now() - 200 * 86_400_000).toISOString(),
      to: new Date(Date.now()).toISOString(),
    };
    const tooMany = await t.http
      .get('/v1/analytics/retention')
      .query({ ...query, interval: 'day' })
      .set(enterprise)
      .expect(400);
    expect(tooMany.body.errors).toEqual([
      { field: 'interval', message: expect.stringMatching(/at most 180 cohorts/) },
    ]);
    await t.http
      .get('/v1/analytics/retention')
      .query({ ...query, interval: 'week' })
      .set(enterprise)
      .expect(200);
  });

  it('writes each answered query to the query cost log as kind retention', async () => {
    await t.http.get('/v1/analytics/retention').query(range).set(auth).expect(200);
    const costs = await t.http
      .get('/v1/usage/queries')
      .query({ kind: 'retention' })
      .set(auth)
      .expect(200);
    expect(costs.body.data[0]).toMatchObject({
      kind: 'retention',
      route: '/v1/analytics/retention',
      store,
    });
    expect(costs.body.data[0].rows_read).toBeGreaterThan(0);
  });
});
