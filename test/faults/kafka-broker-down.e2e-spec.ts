import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { ConfigResourceTypes, type Admin, type ITopicConfig } from 'kafkajs';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  deadLetterTopic,
  ensureTopics,
  overflowTopic,
} from '../../src/ingestion/kafka/kafka-connection';
import { ONE_ATTEMPT_PRODUCER, sendWhole } from '../../src/ingestion/kafka/whole-send';
import { anEvent, eventually, ingestionEnv } from '../support/ingestion';
import { KafkaCluster, kafkaClusterBasePort } from '../support/kafka-cluster';
import { asTenant, connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** One request every 50 ms of 100 events: 2,000 events/s, spread over the tenants. */
const REQUEST_EVERY_MS = 50;
const EVENTS_PER_REQUEST = 100;
const TENANTS = 6;
/** Stream this long before the kill, with one node dead, and after the restart. */
const BEFORE_KILL_MS = 3_000;
const DEAD_MS = 8_000;
const AFTER_RESTART_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  /** When it was sent, ms after the stream started, and how long it took. */
  sentAt: number;
  ms: number;
}

/**
 * The must-show for a replicated Kafka: a three-broker cluster (RF 3, min.insync.replicas
 * 2, acks=all; the app's producers make one attempt per send and send a failed one again whole)
 * in a stack folder of its own, the app on it, a stream of events over HTTP across tenants, and
 * the broker leading most of the events topic's partitions killed with SIGKILL half-way and
 * started again. Every request answers 202 (the app's re-sends outlast the leader move), and the
 * store ends holding exactly the accepted events: no event lost, none doubled (the stored event
 * ids equal the ledger of 202s, and the Kafka-level re-sends are folded by the store).
 *
 * The store is PostgreSQL and the app has no ClickHouse: the test needs no shared server but
 * PostgreSQL, so it runs in the side lane of scripts/test.sh beside the main one (whose fault
 * tests stop the shared ClickHouse and Kafka); its Kafka is its own.
 * Figures (cluster start, leader move, JVM memory, Kafka-level re-sends) go to
 * test/artifacts/kafka-broker-down.json.
 */
describe('fault: one of three Kafka brokers killed during a stream', () => {
  const cluster = new KafkaCluster('kafka-cluster', kafkaClusterBasePort(23092));
  const env = ingestionEnv('broker-down', { EVENT_STORE: 'postgres', CLICKHOUSE_URL: '' });
  const topic = env.KAFKA_EVENTS_TOPIC;
  const report: Record<string, unknown> = {};
  let t: TestApp;
  let admin: Admin;
  let database: Client;

  beforeAll(async () => {
    const started = Date.now();
    await cluster.up();
    report.cluster_start_ms = Date.now() - started;
    report.jvm_rss_mb_after_start = cluster.residentMb();
    admin = cluster.client('test-broker-down-admin', 'admin').admin();
    await admin.connect();
    t = await createTestApp({ env: { ...env, ...cluster.appEnv } });
    database = await connectAs('app');
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    await admin?.disconnect();
    await database?.end();
    await cluster.down();
    mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
    writeFileSync(
      join(__dirname, '..', 'artifacts', 'kafka-broker-down.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  }, 120_000);

  it('creates the app topics with three copies, two of them in sync for a write', async () => {
    const topics = [topic, overflowTopic(topic), deadLetterTopic(topic)];
    const { topics: layout } = await admin.fetchTopicMetadata({ topics });
    for (const { partitions } of layout) {
      expect(partitions.map((p) => p.replicas.length)).toEqual(partitions.map(() => 3));
    }
    expect(await minInsyncReplicas(admin, topics)).toEqual(topics.map(() => '2'));
  });

  it('leaves an existing one-copy topic its replication, warns, and keeps it writable', async () => {
    const legacy = `test.broker-down-legacy.${process.pid}.${Date.now().toString(36)}`;
    await createTopicWithLeaders(admin, { topic: legacy, numPartitions: 1, replicationFactor: 1 });
    const warnings: string[] = [];
    await ensureTopics(cluster.client('test-broker-down-topics'), legacy, 1, {
      warn: (_fields: unknown, message: string) => warnings.push(message),
    });
    expect(warnings).toEqual([expect.stringContaining(`Kafka topic ${legacy} keeps 1 copy`)]);
    // Two in sync on a one-copy topic would refuse every write; its new siblings get three.
    expect(
      await minInsyncReplicas(admin, [legacy, overflowTopic(legacy), deadLetterTopic(legacy)]),
    ).toEqual(['1', '2', '2']);
    const producer = cluster.client('test-broker-down-legacy').producer({ idempotent: true });
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic: legacy, acks: -1, messages: [{ value: 'x' }] });
      expect(sent.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
    await admin.deleteTopics({
      topics: [legacy, overflowTopic(legacy), deadLetterTopic(legacy)],
    });
  });

  it('delivers a send that spans brokers whole when a leader died just before it', async () => {
    // kafkajs' own retry of such a send skipped the partitions that moved to a broker that had
    // already answered, and resolved without them (tulios/kafkajs#1303; whole-send.ts): CI lost
    // one accepted request of the stream below that way. The app's producers make one attempt
    // per send and send a failed one again whole; here is that, on a topic of its own.
    const spanning = `test.broker-down-spanning.${process.pid}.${Date.now().toString(36)}`;
    await createTopicWithLeaders(admin, {
      topic: spanning,
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    });
    const producer = cluster.client('test-broker-down-spanning').producer(ONE_ATTEMPT_PRODUCER);
    await producer.connect();
    const partitions = [0, 1, 2, 3, 4, 5];
    const toEvery = (label: string) => ({
      acks: -1,
      topicMessages: [
        { topic: spanning, messages: partitions.map((partition) => ({ partition, value: label })) },
      ],
    });
    let victim: number | undefined;
    try {
      // As in a running app, the producer is connected to every broker when one dies.
      await sendWhole(producer, toEvery('warm-up'));
      victim = await leaderOfMostPartitions(admin, spanning);
      await cluster.kill(victim);
      const started = Date.now();
      // Fencing alone may take the stream test's 30 s on a loaded machine.
      const outcome = await sendWhole(producer, toEvery('after the kill'), {
        giveUpAfterMs: 60_000,
      }).then(
        () => 'sent',
        (error: Error) => error.message,
      );
      report.spanning_send_ms = Date.now() - started;
      await cluster.start(victim);
      victim = undefined;
      expect(outcome).toBe('sent');
      // Every partition holds the warm-up (sent while all three were up, so once) and the send
      // (a re-send may add a copy).
      const offsets = await admin.fetchTopicOffsets(spanning);
      const short = offsets.filter((o) => Number(o.high) - Number(o.low) < 2);
      expect(short.map((o) => o.partition)).toEqual([]);
    } finally {
      if (victim !== undefined) await cluster.start(victim);
      await producer.disconnect();
      // The stream below kills a node again: this one must be back in sync first.
      await eventually(() => fullyInSync(admin, topic), true, 60_000);
      await admin.deleteTopics({ topics: [spanning] });
    }
    expect(await fullyInSync(admin, topic)).toBe(true);
  }, 180_000);

  it('answers 202 throughout, and stores every accepted event exactly once', async () => {
    const tenants = await Promise.all(Array.from({ length: TENANTS }, () => createTenant(t.http)));
    const ledger = new Set<string>();
    const answers: Answer[] = [];
    const inFlight: Promise<void>[] = [];
    const start = Date.now();
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i += 1) {
        const tenant = tenants[i % TENANTS];
        const events = Array.from({ length: EVENTS_PER_REQUEST }, () =>
          anEvent({ event_type: 'broker-down' }),
        );
        const sentAt = Date.now() - start;
        inFlight.push(
          t.http
            .post('/v1/events')
            .set(bearer(tenantToken(tenant.id)))
            .send({ events })
            .then((response) => {
              answers.push({ status: response.status, sentAt, ms: Date.now() - start - sentAt });
              if (response.status === 202 && response.body.accepted === events.length) {
                for (const event of events) ledger.add(event.event_id as string);
              }
            }),
        );
        await sleep(REQUEST_EVERY_MS);
      }
    })();

    await sleep(BEFORE_KILL_MS);
    const victim = await leaderOfMostPartitions(admin, topic);
    report.killed_node = victim;
    report.killed_at_ms = Date.now() - start;
    await cluster.kill(victim);
    report.jvm_rss_mb_one_dead = cluster.residentMb();
    // Health while a node is down, once the controller has fenced it (broker.session.timeout.ms,
    // 4.5 s here; longer on a loaded machine, three JVMs on two cores): Kafka is up, on two
    // brokers, with partitions missing a copy. The node stays dead at least DEAD_MS.
    const killedAt = Date.now();
    let whileDead = await kafkaHealth(t);
    while (whileDead.brokers !== 2 && Date.now() - killedAt < 30_000) {
      await sleep(250);
      whileDead = await kafkaHealth(t);
    }
    report.fenced_after_ms = Date.now() - killedAt;
    report.health_while_dead = whileDead;
    await sleep(Math.max(0, DEAD_MS - (Date.now() - killedAt)));
    const restart = Date.now();
    await cluster.start(victim);
    report.node_restart_ms = Date.now() - restart;
    await sleep(AFTER_RESTART_MS);
    streaming = false;
    await stream;
    await Promise.all(inFlight);
    report.jvm_rss_mb_after_stream = cluster.residentMb();
    report.stream_ms = Date.now() - start;

    // Every request was taken; the slowest ones waited out the leader move.
    const notAccepted = answers.filter((a) => a.status !== 202);
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    report.requests = answers.length;
    report.events_accepted = ledger.size;
    report.latency_ms = {
      p50: latencies[Math.floor(latencies.length * 0.5)],
      p99: latencies[Math.floor(latencies.length * 0.99)],
      max: latencies[latencies.length - 1],
    };
    report.requests_over_1s = answers.filter((a) => a.ms > 1000).length;
    expect(notAccepted).toEqual([]);
    expect(ledger.size).toBe(answers.length * EVENTS_PER_REQUEST);

    // The restarted node caught up: every partition has its three copies in sync again.
    const isrBack = Date.now();
    expect(await eventually(() => fullyInSync(admin, topic), true, 60_000)).toBe(true);
    report.isr_back_after_restart_ms = Date.now() - isrBack + AFTER_RESTART_MS;
    expect(whileDead).toMatchObject({ status: 'up', brokers: 2 });
    expect(whileDead.under_replicated_partitions).toBeGreaterThan(0);
    expect(await kafkaHealth(t)).toMatchObject({
      status: 'up',
      brokers: 3,
      under_replicated_partitions: 0,
    });

    // Kafka holds at least one message per accepted request (none lost); more is a re-send
    // across the leader move, which the store folds away.
    const messages =
      (await messageCount(admin, topic)) + (await messageCount(admin, overflowTopic(topic)));
    report.kafka_messages = messages;
    report.kafka_resends = messages - answers.length;
    expect(messages).toBeGreaterThanOrEqual(answers.length);

    // The store: exactly the ledger, once each.
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(store.kind).toBe('postgres');
    /** Every tenant's stored events of the stream (its rows, read under its own RLS scope). */
    const storedIds = async () => {
      const ids: string[] = [];
      for (const tenant of tenants) {
        await asTenant(database, tenant.id, async () => {
          const { rows } = await database.query<{ id: string }>(
            "SELECT event_id::text AS id FROM events WHERE event_type = 'broker-down'",
          );
          ids.push(...rows.map((row) => row.id));
        });
      }
      return ids;
    };
    const drained = Date.now();
    await eventually(async () => (await storedIds()).length >= ledger.size, true, 90_000);
    report.store_drained_after_ms = Date.now() - drained;
    await sleep(1_000);
    const ids = await storedIds();
    const distinct = new Set(ids);
    expect({ rows: ids.length, ids: distinct.size }).toEqual({
      rows: ledger.size,
      ids: ledger.size,
    });
    expect([...ledger].filter((id) => !distinct.has(id))).toEqual([]);
  }, 240_000);
});

/**
 * Creates the topic and waits until every partition has a leader. kafkajs' own wait
 * (waitForLeaders) gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a broker that has not
 * yet heard of the new topic answers (seen once here, on a loaded machine).
 */
async function createTopicWithLeaders(admin: Admin, topic: ITopicConfig): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics: [topic] });
  const led = async () => {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic.topic] });
      const { partitions } = topics[0];
      return partitions.length === topic.numPartitions && partitions.every((p) => p.leader >= 0);
    } catch {
      return false;
    }
  };
  expect(await eventually(led, true, 30_000)).toBe(true);
}

/** The Kafka section of GET /health. */
async function kafkaHealth(
  t: TestApp,
): Promise<{ status: string; brokers: number; under_replicated_partitions: number }> {
  const response = await t.http.get('/health');
  return response.body.details.kafka;
}

/** min.insync.replicas of each topic, in order. */
async function minInsyncReplicas(admin: Admin, topics: string[]): Promise<string[]> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['min.insync.replicas'],
    })),
  });
  const byName = new Map(
    resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue ?? '?']),
  );
  return topics.map((name) => byName.get(name) ?? '?');
}

/** The node leading the most partitions of the topic: the kill that moves the most leaders. */
async function leaderOfMostPartitions(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const led = new Map<number, number>();
  for (const { leader } of topics[0].partitions) led.set(leader, (led.get(leader) ?? 0) + 1);
  return [...led.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

async function fullyInSync(admin: Admin, topic: string): Promise<boolean> {
  const { topics } = await admin.fetchTopicMetadata({
    topics: [topic, overflowTopic(topic), deadLetterTopic(topic)],
  });
  return topics.every(({ partitions }) => partitions.every((p) => p.isr.length === 3));
}

/** Messages written to the topic: the sum of its partitions' end offsets (it began empty). */
async function messageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
