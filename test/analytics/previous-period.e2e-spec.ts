import { openBothStores, eventRow, type BothStores } from '../support/analytics-stores';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RETENTION_DAYS = 90; // starter

/**
 * Issue 11, finding 2: the summary's previous period (the same length just before `from`) is
 * clamped to the plan's retention, on both stores: events planted just outside the retention
 * are never counted, events just inside it still are.
 */
describe.each([
  ['postgres', { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }],
  ['clickhouse', { KAFKA_BROKERS: '', EVENT_STORE: 'clickhouse' }],
] as const)('summary previous period on %s', (kind, env) => {
  let t: TestApp;
  let both: BothStores;
  beforeAll(async () => {
    if (!process.env.CLICKHOUSE_URL) throw new Error('the local stack has no ClickHouse');
    t = await createTestApp({ env });
    both = await openBothStores(t);
  });
  afterAll(async () => {
    await both.close();
    await t.close();
  });

  it('never reads events older than the retention, and still counts those inside it', async () => {
    const tenant = await createTenant(t.http);
    const now = Date.now();
    const oldest = now - RETENTION_DAYS * DAY;
    // Written straight to both stores: the event contract refuses events past the retention.
    await both.write([
      eventRow(tenant.id, 'page_view', new Date(oldest - 2 * HOUR), 'outside-1'),
      eventRow(tenant.id, 'page_view', new Date(oldest - 30 * DAY), 'outside-2'),
      eventRow(tenant.id, 'page_view', new Date(oldest + 2 * HOUR), 'inside-before-from'),
      eventRow(tenant.id, 'page_view', new Date(now - 2 * HOUR), 'in-range'),
    ]);
    // Whole seconds, as the route keeps them.
    const from = new Date(Math.floor((oldest + 6 * HOUR) / 1000) * 1000).toISOString();
    const response = await t.http
      .get('/v1/analytics/summary')
      .query({ from })
      .set(bearer(tenantToken(tenant.id)))
      .expect(200);
    expect({
      kind,
      events: response.body.metrics.events,
      users: response.body.metrics.users,
    }).toEqual({
      kind,
      events: { value: 1, previous: 1 },
      users: { value: 1, previous: 1 },
    });
    const previous = response.body.previous_period as { from: string; to: string };
    expect(previous.to).toBe(from);
    expect(Date.parse(previous.from)).toBeGreaterThanOrEqual(oldest);
    expect(Date.parse(previous.from)).toBeLessThan(oldest + HOUR);

    // A range from the very start of the retention has nothing before it to compare.
    const whole = await t.http
      .get('/v1/analytics/summary')
      .query({ from: new Date(Date.now() - RETENTION_DAYS * DAY + 60_000).toISOString() })
      .set(bearer(tenantToken(tenant.id)))
      .expect(200);
    expect(whole.body.metrics.events.previous).toBe(0);
  });
});
