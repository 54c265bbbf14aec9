import { DataSource } from 'typeorm';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { eventRow } from '../support/analytics-stores';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { until } from './privacy-support';

/** Redis configured but away: an erasure is still accepted and carried out, in the app. */
describe('erasure with Redis down', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens there, as if Redis were down.
    t = await createTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:9', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
    });
  });
  afterAll(() => t.close());

  it('answers 202 within the queue timeout and runs the pass in this process', async () => {
    const tenant = (await createTenant(t.http)).id;
    const store = new PostgresEventStore(t.app.get(TenantContext), t.app.get(DataSource));
    await store.write([eventRow(tenant, 'page_view', new Date(Date.now() - 60_000), 'gone')]);
    const auth = bearer(tenantToken(tenant));
    const started = Date.now();
    const created = await t.http
      .post('/v1/privacy/erasures')
      .set(auth)
      .send({ user_id: 'gone' })
      .expect(202);
    expect(Date.now() - started).toBeLessThan(10_000);
    const done = await until(
      async () =>
        (await t.http.get(`/v1/privacy/erasures/${created.body.id}`).set(auth).expect(200))
          .body as { status: string; removed: { postgres?: { events: number } } },
      (body) => body.status === 'completed',
    );
    expect(done.removed.postgres?.events).toBe(1);
    expect(await store.countEvents(tenant)).toBe(0);
  });
});
