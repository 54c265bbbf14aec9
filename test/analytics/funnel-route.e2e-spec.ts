import { ANALYTICS_STORE, type AnalyticsStore } from '../../src/analytics/stores/analytics-store';
import { anEvent } from '../support/ingestion';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** POST /v1/analytics/funnel over HTTP on each store, events sent in-process (no Kafka). */
describe.each([
  ['postgres', { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }],
  ['clickhouse', { KAFKA_BROKERS: '' }],
])('POST /v1/analytics/funnel on %s', (store, env) => {
  let t: TestApp;
  let auth: { Authorization: string };
  const now = Math.floor(Date.now() / 1000) * 1000;
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const range = { from: at(86_400), to: at(-60) };
  const STEPS = ['signup', 'activate', 'purchase'];

  beforeAll(async () => {
    t = await createTestApp({ env });
    expect(t.app.get<AnalyticsStore>(ANALYTICS_STORE).kind).toBe(store);
    // Funnels come with growth and enterprise (starter: 403, test/billing).
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const other = await createTenant(t.http, { tier: 'growth' });
    auth = bearer(tenantToken(tenant.id));
    const step = (event_type: string, user_id: string, secondsAgo: number, country = 'DE') =>
      anEvent({ event_type, user_id, timestamp: at(secondsAgo), properties: { country } });
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({
        events: [
          step('signup', 'a', 3000),
          step('activate', 'a', 2900),
          step('purchase', 'a', 2800),
          step('signup', 'b', 8000),
          step('activate', 'b', 8000), // same second: advances
          step('purchase', 'b', 8000 - 3601), // a second past the hour's window
          step('signup', 'c', 3000, 'US'),
          step('activate', 'd', 3000),
          step('purchase', 'd', 2900),
        ],
      })
      .expect(202);
    // Another tenant's events for the same users would finish their funnels.
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(other.id)))
      .send({ events: [step('purchase', 'b', 2900), step('activate', 'c', 2900)] })
      .expect(202);
  });
  afterAll(() => t.close());

  it('counts users per step with conversions from step 1 and from the step before', async () => {
    const response = await t.http
      .post('/v1/analytics/funnel')
      .query(range)
      .set(auth)
      .send({ steps: STEPS, window_seconds: 3600 })
      .expect(200);
    expect(response.body).toEqual({
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      window_seconds: 3600,
      steps: [
        { event_type: 'signup', users: 3, conversion_from_first: 1, conversion_from_previous: 1 },
        {
          event_type: 'activate',
          users: 2,
          conversion_from_first: 0.6667,
          conversion_from_previous: 0.6667,
        },
        {
          event_type: 'purchase',
          users: 1,
          conversion_from_first: 0.3333,
          conversion_from_previous: 0.5,
        },
      ],
    });
  });

  it('applies property filters from the query string to every step', async () => {
    const response = await t.http
      .post('/v1/analytics/funnel')
      .query({ ...range, 'property.country': 'US' })
      .set(auth)
      .send({ steps: STEPS, window_seconds: 3600 })
      .expect(200);
    expect(response.body.steps.map((s: { users: number }) => s.users)).toEqual([1, 0, 0]);
    const none = await t.http
      .post('/v1/analytics/funnel')
      .query({ ...range, 'property.country': 'XX' })
      .set(auth)
      .send({ steps: ['signup', 'activate'], window_seconds: 60 })
      .expect(200);
    expect(none.body.steps).toEqual([
      { event_type: 'signup', users: 0, conversion_from_first: 0, conversion_from_previous: 0 },
      { event_type: 'activate', users: 0, conversion_from_first: 0, conversion_from_previous: 0 },
    ]);
  });

  it.each([
    ['no body', undefined, {}, ['steps', 'window_seconds']],
    ['one step', { steps: ['signup'], window_seconds: 60 }, {}, ['steps']],
    ['nine steps', { steps: 'abcdefghi'.split(''), window_seconds: 60 }, {}, ['steps']],
    ['a repeated step', { steps: ['signup', 'signup'], window_seconds: 60 }, {}, ['steps']],
    [
      'a step not an event type',
      { steps: ['signup', 'Sign Up'], window_seconds: 60 },
      {},
      ['steps'],
    ],
    ['a step not a string', { steps: ['signup', 7], window_seconds: 60 }, {}, ['steps']],
    ['window 0', { steps: STEPS, window_seconds: 0 }, {}, ['window_seconds']],
    ['window past 30 days', { steps: STEPS, window_seconds: 2_592_001 }, {}, ['window_seconds']],
    ['window not whole', { steps: STEPS, window_seconds: 1.5 }, {}, ['window_seconds']],
    ['window as text', { steps: STEPS, window_seconds: '60' }, {}, ['window_seconds']],
    ['an unknown field', { steps: STEPS, window_seconds: 60, colour: 'red' }, {}, ['colour']],
    [
      'event_type in the query',
      { steps: STEPS, window_seconds: 60 },
      { event_type: 'signup' },
      ['event_type'],
    ],
    [
      'a bad query and body together',
      { steps: ['x'] },
      { from: 'yesterday', colour: 'red' },
      ['colour', 'from', 'steps', 'window_seconds'],
    ],
    [
      'a range past 1000 days',
      { steps: STEPS, window_seconds: 60 },
      { from: at(80 * 86_400), to: '2100-01-01T00:00:00Z' },
      ['to'],
    ],
  ])('answers 400 naming the field: %s', async (_label, body, query, fields) => {
    let call = t.http.post('/v1/analytics/funnel').query(query).set(auth);
    if (body !== undefined) call = call.send(body);
    const response = await call.expect(400);
    const named = [...new Set(response.body.errors.map((e: { field: string }) => e.field))];
    expect(named.sort()).toEqual(fields);
  });

  it('writes each answered query to the query cost log as kind funnel', async () => {
    await t.http
      .post('/v1/analytics/funnel')
      .query(range)
      .set(auth)
      .send({ steps: STEPS, window_seconds: 60 })
      .expect(200);
    const costs = await t.http
      .get('/v1/usage/queries')
      .query({ kind: 'funnel' })
      .set(auth)
      .expect(200);
    expect(costs.body.data[0]).toMatchObject({
      kind: 'funnel',
      route: '/v1/analytics/funnel',
      store,
    });
    expect(costs.body.data[0].rows_read).toBeGreaterThan(0);
  });

  it('refuses a starter tenant’s funnel with 403 and counts it under the plan refusals of its tier', async () => {
    const refusals = async () => {
      const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;
      const labels = ['kind="feature"', 'name="funnels_retention"', 'tier="starter"'];
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('tenantry_plan_refusals_total{') && labels.every((x) => l.includes(x)),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const starter = await createTenant(t.http, { tier: 'starter' });
    const before = await refusals();
    const response = await t.http
      .post('/v1/analytics/funnel')
      .query(range)
      .set(bearer(tenantToken(starter.id)))
      .send({ steps: STEPS, window_seconds: 60 })
      .expect(403);
    expect(response.body).toMatchObject({ feature: 'funnels_retention', plan: 'starter' });
    expect(await refusals()).toBe(before + 1);
  });
});
