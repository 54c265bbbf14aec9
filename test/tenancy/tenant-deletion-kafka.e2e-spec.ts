import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  readDeadLetterReasons,
} from '../support/ingestion';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { connectAs } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

/**
 * Kafka events of a tenant pending deletion are dead-lettered as `tenant_deleted` (the consumer
 * keeps going for everyone else); after a restore they are stored again; after a purge they are
 * dead-lettered without writing a usage row for the tombstone.
 */
describe('ingestion of a deleted tenant over Kafka', () => {
  const env = ingestionEnv('lifecycle');
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env });
  });
  afterAll(() => t.close());

  it('dead-letters while pending, stores after a restore, and leaves a purged tenant without usage rows', async () => {
    const tenant = await createTenant(t.http);
    const key = await createProducerKey(t.http, tenant.id);
    const neighbour = await createTenant(t.http);
    const neighbourKey = await createProducerKey(t.http, neighbour.id);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const value = (type: string) => JSON.stringify(anEvent({ event_type: type }));

    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    // The consumer's tenant cache holds a status for up to 5 seconds.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, value('while-pending')),
      producerMessage(neighbour.id, neighbourKey, value('while-pending')),
    ]);
    expect(await eventually(() => store.countEvents(neighbour.id, 'while-pending'), 1)).toBe(1);
    expect(await store.countEvents(tenant.id, 'while-pending')).toBe(0);

    await t.http.post(`/admin/tenants/${tenant.id}/restore`).set(adminAuth).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, value('after-restore')),
    ]);
    expect(await eventually(() => store.countEvents(tenant.id, 'after-restore'), 1)).toBe(1);

    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    await t.http
      .post(`/admin/tenants/${tenant.id}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: tenant.slug, force: true })
      .expect(200);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, value('after-purge')),
      producerMessage(neighbour.id, neighbourKey, value('after-purge')),
    ]);
    expect(await eventually(() => store.countEvents(neighbour.id, 'after-purge'), 1)).toBe(1);
    // Both of the tenant's messages while deleted (pending, then purged), nothing else.
    expect(await readDeadLetterReasons(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 2)).toEqual([
      'tenant_deleted',
      'tenant_deleted',
    ]);
    // Usage is flushed every INGESTION_FLUSH_MS (50 ms in tests): give it a few flushes.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const owner = await connectAs('owner');
    try {
      await owner.query('BEGIN');
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
      const { rows } = await owner.query('SELECT count(*)::int AS n FROM usage_daily');
      expect(rows[0].n).toBe(0);
      await owner.query('ROLLBACK');
    } finally {
      await owner.end();
    }
  }, 90_000);
});
