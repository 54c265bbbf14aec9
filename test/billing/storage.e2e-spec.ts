import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { STORAGE_JOB } from '../../src/billing/storage/storage.job';
import { StorageUsageRefresher } from '../../src/billing/storage/storage-usage.refresher';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually } from '../support/ingestion';
import { connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, type TestApp, tenantToken } from '../support/test-app';

/** The daily storage estimate: each store's own statistics times the tenant's rows. */
describe('storage per tenant', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Events in ClickHouse (written in-process): both stores' statistics count.
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
  });
  afterAll(() => t.close());

  it('runs as a daily BullMQ repeatable job', async () => {
    const queue = t.app.get<Queue>(getQueueToken(STORAGE_JOB.queue));
    const schedulers = await eventually(
      async () => (await queue.getJobSchedulers()).some((s) => s.key === STORAGE_JOB.schedulerId),
      true,
    );
    expect(schedulers).toBe(true);
  });

  it('estimates each tenant from the stores’ statistics and compares it with the plan', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(store).toBeInstanceOf(ClickHouseEventStore);
    const busy = await createTenant(t.http, { tier: 'starter' });
    const quiet = await createTenant(t.http, { tier: 'growth' });
    const events = Array.from({ length: 500 }, () => anEvent({ event_type: 'storage' }));
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(busy.id)))
      .send({ events })
      .expect(202);
    expect(await eventually(() => store.countEvents(busy.id, 'storage'), 500)).toBe(500);
    // PostgreSQL's row estimates come from ANALYZE (autovacuum runs it in production).
    const owner = await connectAs('owner');
    await owner.query('ANALYZE');
    await owner.end();
    const chBytesPerRow = await (store as ClickHouseEventStore).bytesPerRow();
    expect(chBytesPerRow).toBeGreaterThan(0);

    await t.app.get(StorageUsageRefresher).measureAll();

    const usageOf = async (tenantId: string) =>
      (await t.http.get('/v1/usage').set(bearer(tenantToken(tenantId))).expect(200)).body.storage;
    const today = new Date().toISOString().slice(0, 10);
    const busyStorage = await usageOf(busy.id);
    const quietStorage = await usageOf(quiet.id);
    expect(busyStorage.measured_on).toBe(today);
    expect(busyStorage.limit).toBe(10_000_000_000);
    expect(quietStorage.limit).toBe(50_000_000_000);
    // At least the busy tenant's events in ClickHouse; the quiet one has only its owner's rows.
    expect(busyStorage.bytes).toBeGreaterThanOrEqual(Math.floor(500 * chBytesPerRow!));
    expect(quietStorage.bytes).toBeGreaterThan(0);
    expect(quietStorage.bytes).toBeLessThan(busyStorage.bytes);
    expect(busyStorage.percentage).toBeCloseTo((busyStorage.bytes / 10_000_000_000) * 100, 2);

    const daily = await t.http
      .get(`/v1/usage/daily?from=${today}&to=${today}`)
      .set(bearer(tenantToken(busy.id)))
      .expect(200);
    expect(daily.body.data[0]).toMatchObject({ day: today, storage_bytes: busyStorage.bytes });
  });
});
