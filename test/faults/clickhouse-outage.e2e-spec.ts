import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually, ingestionEnv, testKafka } from '../support/ingestion';
import { stack } from '../support/stack-control';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const OUTAGE_MS = 20_000;

/**
 * ClickHouse stopped for 20 s in the middle of a stream: the API keeps accepting (Kafka holds the
 * events), the consumer retries and commits nothing past what is unstored, and once ClickHouse is
 * back every accepted event is stored, once.
 */
describe('fault: ClickHouse down for 20 s during a stream', () => {
  const env = ingestionEnv('ch-outage');
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env });
  });
  afterAll(async () => {
    await stack('up', 'clickhouse'); // whatever happened, leave it running
    await t.close();
  });

  it('ends with stored = accepted and no duplicates', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    let accepted = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const response = await t.http
          .post('/v1/events')
          .set(auth)
          .send({ events: Array.from({ length: 100 }, () => anEvent({ event_type: 'outage' })) });
        if (response.status === 202) accepted += response.body.accepted as number;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await stack('down', 'clickhouse');
    const acceptedAtOutage = accepted;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    const health = await t.http.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.error.clickhouse.status).toBe('down');
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    await stack('up', 'clickhouse');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    streaming = false;
    await stream;

    // The API kept accepting throughout the outage.
    expect(accepted).toBeGreaterThan(acceptedAtOutage + 1000);
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'outage'), accepted, 60_000)).toBe(
      accepted,
    );
    // And the group has committed up to the end of the topic: nothing left, nothing skipped.
    const admin = testKafka('test-offsets').admin();
    await admin.connect();
    try {
      const end = (await admin.fetchTopicOffsets(env.KAFKA_EVENTS_TOPIC))
        .sort((a, b) => a.partition - b.partition)
        .map((p) => p.offset);
      const committed = async () => {
        const [topic] = await admin.fetchOffsets({
          groupId: env.KAFKA_CONSUMER_GROUP,
          topics: [env.KAFKA_EVENTS_TOPIC],
        });
        return JSON.stringify(
          topic.partitions
            .sort((a, b) => a.partition - b.partition)
            .map((p) => (p.offset === '-1' ? '0' : p.offset)),
        );
      };
      expect(await eventually(committed, JSON.stringify(end), 10_000)).toBe(JSON.stringify(end));
    } finally {
      await admin.disconnect();
    }
  }, 180_000);
});
