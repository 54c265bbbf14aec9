import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, ingestionEnv, testKafka } from '../support/ingestion';
import { bearer, createTenant, createTestApp, tenantToken } from '../support/test-app';

/**
 * Closing the app while the consumer holds events in its write buffer: shutdown writes them and
 * commits their offsets before the process would exit, so nothing is left to re-read.
 */
describe('ingestion: graceful shutdown flushes and commits', () => {
  it('stores the buffered events and commits their offsets on close', async () => {
    // A long flush interval: the events sit in the writer's buffer when close() is called.
    const env = ingestionEnv('shutdown', {
      INGESTION_FLUSH_MS: '3000',
      KAFKA_EVENTS_PARTITIONS: '1',
    });
    const t = await createTestApp({ env });
    const tenant = await createTenant(t.http);
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: Array.from({ length: 40 }, () => anEvent({ event_type: 'shutdown' })) })
      .expect(202);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // consumed, not yet written
    const store = t.app.get<EventStore>(EVENT_STORE);
    const beforeClose = await store.countEvents(tenant.id, 'shutdown');
    await t.close();
    expect(beforeClose).toBe(0);

    const reader = await createTestApp({ env: { ...env, INGESTION_CONSUMER: 'off' } });
    try {
      const readerStore = reader.app.get<EventStore>(EVENT_STORE);
      expect(await readerStore.countEvents(tenant.id, 'shutdown')).toBe(40);
    } finally {
      await reader.close();
    }
    const admin = testKafka('test-offsets').admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({
        groupId: env.KAFKA_CONSUMER_GROUP,
        topics: [env.KAFKA_EVENTS_TOPIC],
      });
      const end = await admin.fetchTopicOffsets(env.KAFKA_EVENTS_TOPIC);
      expect(committed.partitions.map((p) => p.offset)).toEqual(end.map((p) => p.offset));
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
