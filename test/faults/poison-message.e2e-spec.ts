import { KafkaJSNonRetriableError } from 'kafkajs';
import { EventBatchProcessor } from '../../src/ingestion/pipeline/event-batch.processor';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  consumerOf,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  readDeadLetters,
} from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** `{"events":[<arrays nested depth deep>, {}]}`: about 10 KB, and deep enough to blow a stack. */
function deeplyNested(depth: number): string {
  return `{"events":[${'['.repeat(depth)}${']'.repeat(depth)},{}]}`;
}

/**
 * Finding 3 of the security review: one direct Kafka message (arrays nested 5,000 deep) stopped
 * the consumer for every tenant, and /health kept answering ok. Against the real broker and
 * consumer: the poison goes to the dead-letter topic, other tenants' events keep flowing, and a
 * consumer that is not running turns /health unhealthy.
 */
describe('fault: a poison message on the events topic', () => {
  const env = ingestionEnv('poison', { CONSUMER_STALL_SECONDS: '3' });
  let t: TestApp;
  let store: EventStore;

  beforeAll(async () => {
    t = await createTestApp({ env });
    store = t.app.get<EventStore>(EVENT_STORE);
  });
  afterAll(() => t.close());

  const postEvents = (tenantId: string, count: number, eventType: string) =>
    t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenantId)))
      .send({ events: Array.from({ length: count }, () => anEvent({ event_type: eventType })) })
      .expect(202);

  it('dead-letters the poison and stores other tenants’ HTTP events within 2 s', async () => {
    const [victim, other, third] = [
      await createTenant(t.http),
      await createTenant(t.http),
      await createTenant(t.http),
    ];
    // The consumer is up and storing before the poison arrives.
    await postEvents(other.id, 1, 'warmup');
    expect(await eventually(() => store.countEvents(other.id, 'warmup'), 1, 20_000)).toBe(1);

    const victimKey = await createProducerKey(t.http, victim.id);
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(victim.id, victimKey, deeplyNested(5000)),
    ]);
    // Give the consumer the poison first, then send the other tenants' events over HTTP.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all([postEvents(other.id, 25, 'after'), postEvents(third.id, 25, 'after')]);
    expect(await eventually(() => store.countEvents(other.id, 'after'), 25, 2_000)).toBe(25);
    expect(await eventually(() => store.countEvents(third.id, 'after'), 25, 2_000)).toBe(25);

    const [letter] = await readDeadLetters(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 1);
    expect(letter.headers.dlq_reason).toBe('invalid_json');
    expect(letter.headers.dlq_errors).toMatch(/deeper than 32/);
    expect(letter.headers.tenant_id).toBe(victim.id);
    // The raw bytes, not a re-serialisation of what was parsed.
    expect(letter.value).toBe(deeplyNested(5000));
    expect((await t.http.get('/health').expect(200)).body.info.ingestion_consumer).toMatchObject({
      status: 'up',
      running: true,
    });
  }, 60_000);

  it('dead-letters invalid items once per message, with none of the producer’s headers', async () => {
    const tenant = await createTenant(t.http);
    const bigHeader = 'h'.repeat(1024 * 1024);
    const items = [
      anEvent({ event_type: 'kept' }),
      ...Array.from({ length: 20 }, () => anEvent({ event_type: 'NOT VALID' })),
    ];
    const key = await createProducerKey(t.http, tenant.id);
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, JSON.stringify({ events: items }), {
        big: bigHeader,
        dlq_reason: 'forged',
        dlq_errors: 'forged',
      }),
    ]);
    expect(await eventually(() => store.countEvents(tenant.id, 'kept'), 1, 20_000)).toBe(1);
    const letters = await readDeadLetters(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 2);
    const letter = letters.find((l) => l.headers.tenant_id === tenant.id);
    expect(letter).toBeDefined();
    expect(letter!.headers).not.toHaveProperty('big');
    expect(letter!.headers.dlq_reason).toBe('invalid_event');
    const errors = JSON.parse(letter!.headers.dlq_errors) as { field: string }[];
    expect(errors.map((e) => e.field)).toEqual(
      Array.from({ length: 20 }, (_, i) => `events[${i + 1}].event_type`),
    );
    expect(letter!.value).toBe(JSON.stringify({ events: items }));
  }, 60_000);

  it('restarts a consumer that crashed for good, and counts the restart', async () => {
    const tenant = await createTenant(t.http);
    const processor = t.app.get(EventBatchProcessor);
    const original = processor.process.bind(processor);
    // One non-retriable failure: kafkajs stops the consumer and does not restart it itself.
    const spy = jest
      .spyOn(processor, 'process')
      .mockImplementationOnce(() => Promise.reject(new KafkaJSNonRetriableError('injected crash')))
      .mockImplementation(original);
    try {
      await postEvents(tenant.id, 10, 'survivor');
      expect(await eventually(() => store.countEvents(tenant.id, 'survivor'), 10, 20_000)).toBe(10);
      expect(spy.mock.calls.length).toBeGreaterThan(1);
    } finally {
      spy.mockRestore();
    }
    const health = await t.http.get('/health').expect(200);
    expect(health.body.info.ingestion_consumer).toMatchObject({ running: true });
    expect(health.body.info.ingestion_consumer.restarts).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('turns /health unhealthy when messages wait and the consumer commits nothing', async () => {
    const tenant = await createTenant(t.http);
    const consumer = consumerOf(t);
    consumer.pause([{ topic: env.KAFKA_EVENTS_TOPIC }]);
    try {
      await postEvents(tenant.id, 5, 'waiting');
      // CONSUMER_STALL_SECONDS is 3 here.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const health = await t.http.get('/health').expect(503);
      expect(health.body.error.ingestion_consumer).toMatchObject({ status: 'down', running: true });
      expect(health.body.error.ingestion_consumer.lag).toBeGreaterThan(0);
      expect(health.body.error.ingestion_consumer.reason).toMatch(/no commit/);
    } finally {
      consumer.resume([{ topic: env.KAFKA_EVENTS_TOPIC }]);
    }
    expect(await eventually(() => store.countEvents(tenant.id, 'waiting'), 5, 20_000)).toBe(5);
    // Healthy again once the stored batch is committed (a moment after it is stored).
    const healthStatus = async () => (await t.http.get('/health')).status;
    expect(await eventually(healthStatus, 200, 10_000)).toBe(200);
  }, 60_000);

  it('turns /health unhealthy when the consumer is stopped on purpose', async () => {
    await consumerOf(t).stop();
    const health = await t.http.get('/health').expect(503);
    expect(health.body.error.ingestion_consumer).toMatchObject({
      status: 'down',
      running: false,
    });
  }, 30_000);
});
