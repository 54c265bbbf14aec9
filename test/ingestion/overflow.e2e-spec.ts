import { ConfigService } from '@nestjs/config';
import { getToken } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import type { Consumer, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { KAFKA_CLIENT } from '../../src/ingestion/kafka/kafka-connection';
import { EVENTS_DEAD_LETTERED } from '../../src/ingestion/pipeline/event-batch.processor';
import {
  HOT_TENANTS,
  IntakeRateService,
  OVERFLOW_EVENTS,
} from '../../src/ingestion/overflow/intake-rate.service';
import { RedisIntakeWindow } from '../../src/ingestion/overflow/intake-window';
import { TenantDirectory } from '../../src/ingestion/pipeline/tenant.directory';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  testKafka,
} from '../support/ingestion';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
} from '../support/test-app';

/** A record read back from a topic, with the partition it was on. */
interface TopicRecord {
  partition: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every record on the topic now (its end offsets read first), in no particular order. */
async function readTopic(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const records: TopicRecord[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: `test-read-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
        }
        records.push({
          partition,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
        });
        if (records.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/** Messages of a group not yet committed past, over the topic. */
async function lagOf(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((lag, p) => {
      const offset = at.get(p.partition) ?? -1;
      return lag + Number(p.high) - (offset < 0 ? Number(p.low) : offset);
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hot-tenant overflow on the real stack (Kafka, Redis, ClickHouse): a threshold of 20 events/s for
 * every tier, a 2 s window and 2 s of minimum heat, so a test makes a tenant hot with 100 events.
 */
describe('ingestion overflow: hot tenants go to the overflow topic', () => {
  const env = ingestionEnv('overflow', {
    INGEST_OVERFLOW_EVENTS_PER_SECOND: 'starter:20,growth:20,enterprise:20',
    INGEST_OVERFLOW_WINDOW_SECONDS: '2',
    INGEST_OVERFLOW_MIN_HOT_SECONDS: '2',
    INGEST_OVERFLOW_FLUSH_MS: '100',
    // On for the test that a hot tenant's stored events invalidate its cached answers.
    ANALYTICS_CACHE_SECONDS: '60',
  });
  const topic = env.KAFKA_EVENTS_TOPIC;
  const overflow = `${topic}.overflow`;
  const kafka = testKafka('test-overflow');
  let t: TestApp;
  let store: EventStore;
  let rate: IntakeRateService;
  let hot: { id: string };
  let quiet: { id: string };
  let logs = '';

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    t = await createTestApp({ env: { ...env, LOG_LEVEL: 'info' }, logs: sink });
    store = t.app.get<EventStore>(EVENT_STORE);
    rate = t.app.get(IntakeRateService);
    hot = await createTenant(t.http);
    quiet = await createTenant(t.http);
  });
  afterAll(() => t.close());

  const post = (tenantId: string, events: Record<string, unknown>[]) =>
    t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenantId)))
      .send({ events })
      .expect(202);
  const batch = (count: number, eventType: string) =>
    Array.from({ length: count }, () => anEvent({ event_type: eventType }));
  /** 100 events: 50/s over the 2 s window, past the threshold of 20. */
  const heat = async (tenantId: string) => {
    await post(tenantId, batch(100, 'heat'));
    expect((await rate.status(tenantId)).overflowing).toBe(true);
  };
  const overflowCommitted = () =>
    eventually(() => lagOf(kafka, `${env.KAFKA_CONSUMER_GROUP}.overflow`, overflow), 0);

  it('sends a hot tenant’s API events to the overflow topic, spread over partitions, each stored once', async () => {
    expect(store.kind).toBe('clickhouse');
    for (let i = 0; i < 6; i++) await post(hot.id, batch(100, 'flood'));
    await post(quiet.id, batch(5, 'calm'));
    const status = await rate.status(hot.id);
    expect(status.overflowing).toBe(true);
    expect(status.thresholdEventsPerSecond).toBe(20);
    expect(status.eventsPerSecond).toBeGreaterThan(20);
    expect(await rate.status(quiet.id)).toMatchObject({ overflowing: false });

    expect(await eventually(() => store.countEvents(hot.id, 'flood'), 600)).toBe(600);
    expect(await eventually(() => store.countEvents(quiet.id, 'calm'), 5)).toBe(5);

    const onOverflow = await readTopic(kafka, overflow);
    const hotRecords = onOverflow.filter((r) => r.headers.tenant_id === hot.id);
    expect(hotRecords).toHaveLength(6);
    // No key: round-robin over the partitions, not the tenant's one.
    expect(hotRecords.every((r) => r.key === null)).toBe(true);
    expect(new Set(hotRecords.map((r) => r.partition)).size).toBeGreaterThan(1);
    expect(onOverflow.some((r) => r.headers.tenant_id === quiet.id)).toBe(false);

    const onMain = await readTopic(kafka, topic);
    expect(onMain.filter((r) => r.headers.tenant_id === quiet.id)).toHaveLength(1);
    expect(onMain.some((r) => r.headers.tenant_id === hot.id)).toBe(false);

    const health = (await t.http.get('/health').expect(200)).body.info;
    expect(health.ingestion_overflow_consumer).toMatchObject({ running: true, lag: 0 });

    const counter = t.app.get<{ get(): Promise<{ values: { value: number; labels: object }[] }> }>(
      getToken(OVERFLOW_EVENTS),
    );
    const api = (await counter.get()).values.find(
      (v) => (v.labels as { path?: string }).path === 'api',
    );
    expect(api?.value).toBeGreaterThanOrEqual(600);
  });

  it('stores a re-delivered overflow message once', async () => {
    const [record] = (await readTopic(kafka, overflow)).filter(
      (r) => r.headers.tenant_id === hot.id,
    );
    const before = await store.countEvents(hot.id, 'flood');
    // The same message again, as a producer retry or a crash before the commit would deliver it.
    const producer = kafka.producer({ idempotent: false });
    await producer.connect();
    await producer.send({
      topic: overflow,
      messages: [{ key: null, value: record.value, headers: record.headers }],
    });
    await producer.disconnect();
    expect(await overflowCommitted()).toBe(0);
    await sleep(300);
    expect(await store.countEvents(hot.id, 'flood')).toBe(before);
  });

  it('forwards a hot tenant’s direct producer messages from the main topic, and stores them once', async () => {
    const key = await createProducerKey(t.http, hot.id);
    await heat(hot.id);
    const events = batch(50, 'direct');
    const message = producerMessage(hot.id, key, JSON.stringify({ events }));
    await produceDirect(topic, [message, message]); // a producer's retry: the same events twice
    expect(await eventually(() => store.countEvents(hot.id, 'direct'), 50)).toBe(50);
    const forwarded = (await readTopic(kafka, overflow)).filter((r) => r.headers.overflow_source);
    expect(forwarded).toHaveLength(2);
    expect(forwarded[0].headers.overflow_source).toMatch(new RegExp(`^${topic}/\\d+/\\d+$`));
    expect(forwarded[0].headers.api_key).toBe(key);
    await sleep(300);
    expect(await store.countEvents(hot.id, 'direct')).toBe(50);
  });

  it('dead-letters a poison message on the overflow path with the same reason as on the main path', async () => {
    const hotKey = await createProducerKey(t.http, hot.id);
    const quietKey = await createProducerKey(t.http, quiet.id);
    await heat(hot.id);
    await produceDirect(topic, [
      producerMessage(hot.id, hotKey, '{"events": [not json'),
      producerMessage(quiet.id, quietKey, '{"events": [not json'),
    ]);
    const dlq = `${topic}.dlq`;
    let letters = await readTopic(kafka, dlq);
    for (let i = 0; i < 100 && letters.length < 2; i++) {
      await sleep(200);
      letters = await readTopic(kafka, dlq);
    }
    const byTenant = new Map(letters.map((l) => [l.headers.tenant_id, l.headers]));
    const hotLetter = byTenant.get(hot.id)!;
    const quietLetter = byTenant.get(quiet.id)!;
    expect(hotLetter.dlq_source_topic).toBe(overflow);
    expect(quietLetter.dlq_source_topic).toBe(topic);
    expect(hotLetter.dlq_reason).toBe(quietLetter.dlq_reason);
    expect(hotLetter.dlq_reason).toBe('invalid_json');
    // Nothing of the overflow topic's is its own DLQ: the main one holds both.
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(`${overflow}.dlq`);
    await admin.disconnect();
  });

  it('invalidates a hot tenant’s cached answers with the events the overflow consumer stores', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const range = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 600_000).toISOString(),
    };
    const summary = () => t.http.get('/v1/analytics/summary').query(range).set(auth).expect(200);
    await heat(tenant.id);
    expect(await eventually(() => store.countEvents(tenant.id, 'heat'), 100)).toBe(100);
    expect((await summary()).headers['x-cache']).toBe('miss');
    const cached = await summary();
    expect(cached.headers['x-cache']).toBe('hit');
    expect(cached.body.metrics.events.value).toBe(100);
    // Hot for the next 2 s at least (counted, nothing sent), so the next events take the
    // overflow topic, and only that consumer stores them.
    await rate.record(new Map([[tenant.id, 100]]));
    await post(tenant.id, batch(5, 'late'));
    const late = (await readTopic(kafka, overflow)).filter(
      (r) => r.headers.tenant_id === tenant.id && r.value?.toString().includes('"late"'),
    );
    expect(late).toHaveLength(1);
    expect(await eventually(() => store.countEvents(tenant.id, 'late'), 5)).toBe(5);
    const fresh = await summary();
    expect(fresh.headers['x-cache']).toBe('miss');
    expect(fresh.body.metrics.events.value).toBe(105);
  });

  it('verifies an app signature before looking its tenant up: forged ones cost no lookup, and are dead-lettered', async () => {
    const counter = t.app.get<{ get(): Promise<{ values: { value: number; labels: object }[] }> }>(
      getToken(EVENTS_DEAD_LETTERED),
    );
    const unauthenticated = async () =>
      (await counter.get()).values.find(
        (v) => (v.labels as { reason?: string }).reason === 'unauthenticated',
      )?.value ?? 0;
    const before = await unauthenticated();
    const lookups = jest.spyOn(t.app.get(TenantDirectory), 'get');
    try {
      // A producer naming a random tenant per message under a made-up app signature.
      const ids = Array.from({ length: 50 }, () => randomUUID());
      await produceDirect(
        topic,
        ids.map((id) => ({
          key: id,
          value: JSON.stringify({ events: [anEvent({ event_type: 'forged' })] }),
          headers: {
            tenant_id: id,
            received_at: String(Date.now()),
            ingested_via: 'http',
            app_signature: 'Zm9yZ2Vk',
          },
        })),
      );
      expect(await eventually(async () => (await unauthenticated()) - before, 50)).toBe(50);
      const lookedUp = new Set(lookups.mock.calls.map(([id]) => id));
      expect(ids.filter((id) => lookedUp.has(id))).toEqual([]);
    } finally {
      lookups.mockRestore();
    }
  });

  it('adds the overflow group’s lag to a hot tenant’s backlog on its health card', async () => {
    const healthOf = async (tenantId: string) =>
      (await t.http.get(`/admin/tenants/${tenantId}/health`).set(adminAuth).expect(200)).body as {
        intake: { overflowing: boolean };
        lag: { overflow_lag: number | null; estimated_backlog: number };
      };
    // The overflow consumer of this app (the second transport), paused: what the hot tenant
    // sends now waits on the overflow topic.
    const [, transport] = t.app.getMicroservices() as unknown as { unwrap<T>(): T }[];
    const overflowConsumer = transport.unwrap<Consumer>();
    overflowConsumer.pause([{ topic: overflow }]);
    try {
      await rate.record(new Map([[hot.id, 100]]));
      await post(hot.id, batch(10, 'waiting'));
      // Kept hot while the card is read (counted, nothing sent).
      const hotCard = async () => {
        await rate.record(new Map([[hot.id, 100]]));
        return healthOf(hot.id);
      };
      expect(await eventually(async () => (await hotCard()).lag.overflow_lag, 1)).toBe(1);
      const card = await hotCard();
      expect(card.intake.overflowing).toBe(true);
      expect(card.lag.estimated_backlog).toBeGreaterThanOrEqual(1);
      expect((await healthOf(quiet.id)).lag.overflow_lag).toBeNull();
    } finally {
      overflowConsumer.resume([{ topic: overflow }]);
    }
    expect(await eventually(() => store.countEvents(hot.id, 'waiting'), 10)).toBe(10);
  });

  it('shares one decision between two app copies on one Redis', async () => {
    const shared = await createTenant(t.http);
    // A second IntakeRateService as another app copy has it: its own Redis connection.
    const other = new IntakeRateService(
      t.app.get(ConfigService),
      t.app.get(KAFKA_CLIENT),
      t.app.get(TenantDirectory),
      t.app.get(getToken(OVERFLOW_EVENTS)),
      t.app.get(getToken(HOT_TENANTS)),
    );
    await other.onModuleInit();
    try {
      // 30 events each: 15/s apiece, 30/s together, past 20 only together.
      expect((await rate.record(new Map([[shared.id, 30]]))).get(shared.id)?.hot).toBe(false);
      expect((await other.record(new Map([[shared.id, 30]]))).get(shared.id)?.hot).toBe(true);
      const seenByFirst = await rate.status(shared.id);
      expect(seenByFirst.overflowing).toBe(true);
      expect(seenByFirst.eventsPerSecond).toBeGreaterThanOrEqual(29);
    } finally {
      other.onModuleDestroy();
    }
  });

  it('fails open when Redis is unreachable: nobody is hot, nothing throws', async () => {
    const config = t.app.get(ConfigService);
    const unreachable = new Proxy(config, {
      get: (target, property) =>
        property === 'get'
          ? (key: string, options?: object) =>
              key === 'REDIS_URL'
                ? 'redis://127.0.0.1:9'
                : (target.get)(key, options)
          : (Reflect.get(target, property) as unknown),
    });
    const down = new IntakeRateService(
      unreachable,
      t.app.get(KAFKA_CLIENT),
      t.app.get(TenantDirectory),
      t.app.get(getToken(OVERFLOW_EVENTS)),
      t.app.get(getToken(HOT_TENANTS)),
    );
    try {
      const started = Date.now();
      const decisions = await down.record(new Map([[hot.id, 1_000_000]]));
      expect(decisions.get(hot.id)).toEqual({ hot: false, tier: 'starter' });
      expect(await down.status(hot.id)).toMatchObject({ overflowing: false, eventsPerSecond: 0 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      down.onModuleDestroy();
    }
  });

  it('reports each start and stop to exactly one of many concurrent callers', async () => {
    const clients = [new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!)];
    try {
      const windows = clients.map(
        (client) => new RedisIntakeWindow(client, { windowMs: 2_000, minHotMs: 500 }),
      );
      const key = `tenantry:${process.env.DATABASE_NAME}:intake-rate:test-${randomUUID()}`;
      const hit = { key, events: 10, enterPerSecond: 20, exitPerSecond: 10 };
      const readings = (
        await Promise.all(Array.from({ length: 20 }, (_, i) => windows[i % 2].hit([hit])))
      ).flat();
      expect(readings.filter((r) => r.change === 'started')).toHaveLength(1);
      expect(readings.filter((r) => r.change === 'stopped')).toHaveLength(0);
      await sleep(2_300);
      const cooled = (
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => windows[i % 2].hit([{ ...hit, events: 0 }])),
        )
      ).flat();
      expect(cooled.filter((r) => r.change === 'stopped')).toHaveLength(1);
      expect(cooled.every((r) => !r.hot)).toBe(true);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  it('holds a tenant as it is in Redis while its thresholds are unknown (its tier lookup failed)', async () => {
    const client = new Redis(process.env.REDIS_URL!);
    try {
      const window = new RedisIntakeWindow(client, { windowMs: 2_000, minHotMs: 500 });
      const key = `tenantry:${process.env.DATABASE_NAME}:intake-rate:test-${randomUUID()}`;
      const hit = { key, events: 100, enterPerSecond: 20, exitPerSecond: 10 };
      expect((await window.hit([hit]))[0]).toMatchObject({ hot: true, change: 'started' });
      await sleep(2_300);
      // Quiet and past minHot: a known threshold would cool it, an unknown one leaves it hot.
      expect((await window.hit([{ ...hit, events: 0, hold: true }]))[0]).toEqual({
        eventsPerSecond: 0,
        hot: true,
        change: null,
      });
      expect((await window.hit([{ ...hit, events: 0 }]))[0]).toMatchObject({
        hot: false,
        change: 'stopped',
      });
      // Nor does a hold heat anyone.
      const cold = { ...hit, key: `${key}-cold`, hold: true };
      expect((await window.hit([cold]))[0]).toMatchObject({ hot: false, change: null });
    } finally {
      client.disconnect();
    }
  });

  it('keeps a hot tenant hot between half the threshold and the threshold, then cools it', async () => {
    const warm = await createTenant(t.http);
    const steady = await createTenant(t.http);
    const feed = (tenantId: string) => rate.record(new Map([[tenantId, 3]]));
    await rate.record(new Map([[warm.id, 100]]));
    expect((await rate.status(warm.id)).overflowing).toBe(true);
    // 3 events every 200 ms: 15/s, below the threshold (20) and above half of it (10).
    const seen: boolean[] = [];
    const steadySeen: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      await Promise.all([feed(warm.id), feed(steady.id)]);
      if (i >= 15) seen.push((await rate.status(warm.id)).overflowing);
      steadySeen.push((await rate.status(steady.id)).overflowing);
      await sleep(200);
    }
    // 4 s on, past the 2 s of minimum heat: still hot, and the steady tenant never was.
    expect(seen.every(Boolean)).toBe(true);
    expect(steadySeen.some(Boolean)).toBe(false);
    // Quiet: below 10/s once the window empties, and so cooled.
    expect(await eventually(async () => (await rate.status(warm.id)).overflowing, false)).toBe(
      false,
    );
    // One line when it started and one when it stopped, each naming the tenant; none per batch.
    const lines = logs
      .split('\n')
      .filter((line) => line.includes(warm.id))
      .map((line) => JSON.parse(line) as { msg: string; tenant_id: string; routed: boolean });
    expect(lines.map((line) => line.msg)).toEqual([
      'tenant started overflowing',
      'tenant stopped overflowing',
    ]);
    expect(lines[0]).toMatchObject({ tenant_id: warm.id, routed: true });
  });

  // Last in this block: the overflow consumer stays stopped.
  it('turns /health unhealthy when the overflow consumer stops, the main one still up', async () => {
    const [, transport] = t.app.getMicroservices() as unknown as { unwrap<T>(): T }[];
    await transport.unwrap<Consumer>().stop();
    const health = await t.http.get('/health').expect(503);
    expect(health.body.error.ingestion_overflow_consumer).toMatchObject({
      status: 'down',
      running: false,
    });
    expect(health.body.info.ingestion_consumer).toMatchObject({ status: 'up', running: true });
  });
});

describe('ingestion overflow without Kafka: measured, never rerouted', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        KAFKA_BROKERS: '',
        CLICKHOUSE_URL: '',
        INGEST_OVERFLOW_EVENTS_PER_SECOND: 'starter:20,growth:20,enterprise:20',
        INGEST_OVERFLOW_WINDOW_SECONDS: '2',
      },
    });
  });
  afterAll(() => t.close());

  it('counts the rate for the health figure and stores everything in-process', async () => {
    const tenant = await createTenant(t.http);
    const rate = t.app.get(IntakeRateService);
    expect(rate.routes).toBe(false);
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: Array.from({ length: 100 }, () => anEvent({ event_type: 'local' })) })
      .expect(202);
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await store.countEvents(tenant.id, 'local')).toBe(100);
    const status = await eventually(async () => (await rate.status(tenant.id)).overflowing, true);
    expect(status).toBe(true);
    expect((await rate.status(tenant.id)).eventsPerSecond).toBeGreaterThan(20);
  });
});
