import { ScheduledJobRegistry } from '../../src/jobs/scheduled-job.registry';
import { anEvent } from '../support/ingestion';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

/** The value of one series of a scrape, found by its name and a label it carries. */
function valueOf(text: string, name: string, label: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * The metrics the alert rules read (docker/prometheus/alerts.yml) move as the rules expect: the
 * scheduled jobs' health (RollupRefreshFailing), analytics latency by route and store
 * (AnalyticsQueryP95High), refusals by tier.
 */
describe('operations metrics', () => {
  let t: TestApp;
  const scrape = async () =>
    (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;

  beforeAll(async () => {
    // The PostgreSQL store, so the rollup refresh runs (on a timer: no Redis).
    t = await createTestApp({ env: { CLICKHOUSE_URL: '', KAFKA_BROKERS: '', REDIS_URL: '' } });
  });
  afterAll(() => t.close());

  it('exports each scheduled job healthy or not, with its last success and failure', async () => {
    const before = await scrape();
    expect(valueOf(before, 'tenantry_scheduled_job_healthy', 'job="analytics-rollups"')).toBe(1);

    // A job whose run fails: its gauge turns 0 and the failure gets a time.
    const probe = t.app.get(ScheduledJobRegistry).addTimer({
      queue: 'ops-metrics-probe',
      schedulerId: 'ops-metrics-probe',
      jobName: 'probe',
      repeat: { every: 60_000 },
      periodMs: 60_000,
      keepRuns: 1,
    });
    await probe.track(Promise.resolve());
    // The registry is read at most once a second (one read serves the three gauges).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    let text = await scrape();
    expect(valueOf(text, 'tenantry_scheduled_job_healthy', 'job="ops-metrics-probe"')).toBe(1);
    const success = valueOf(
      text,
      'tenantry_scheduled_job_last_success_timestamp_seconds',
      'job="ops-metrics-probe"',
    );
    expect(Math.abs(Date.now() / 1000 - success!)).toBeLessThan(60);

    await probe.track(Promise.reject(new Error('refresh failed'))).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    text = await scrape();
    expect(valueOf(text, 'tenantry_scheduled_job_healthy', 'job="ops-metrics-probe"')).toBe(0);
    expect(
      valueOf(
        text,
        'tenantry_scheduled_job_last_failure_timestamp_seconds',
        'job="ops-metrics-probe"',
      ),
    ).toBeGreaterThanOrEqual(success!);
  });

  it('times analytics queries by route template and store, with a bucket at 5 s', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({ events: [anEvent()] })
      .expect(202);
    await t.http
      .get('/v1/analytics/summary')
      .query({
        from: new Date(Date.now() - 86_400_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      })
      .set(auth)
      .expect(200);
    const text = await scrape();
    const series = text
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('tenantry_analytics_query_duration_seconds_bucket{') &&
          l.includes('route="/v1/analytics/summary"') &&
          l.includes('store="postgres"'),
      );
    expect(series.some((l) => l.includes('le="5"'))).toBe(true);
    expect(series.every((l) => !l.includes(tenant.id))).toBe(true);
    expect(
      valueOf(
        text,
        'tenantry_analytics_query_duration_seconds_count',
        'route="/v1/analytics/summary"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts quota refusals by tier', async () => {
    // A starter tenant whose contract allows 1 event a month (refuse past it).
    const tenant = await createTenant(t.http, { tier: 'starter' });
    await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({ events_per_month: 1, over_quota: 'refuse' })
      .expect(200);
    const before =
      valueOf(await scrape(), 'tenantry_quota_events_refused_total', 'tier="starter"') ?? 0;
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: [anEvent(), anEvent(), anEvent()] })
      .expect(202);
    const after = valueOf(await scrape(), 'tenantry_quota_events_refused_total', 'tier="starter"');
    expect(after).toBe(before + 2);
  });
});
