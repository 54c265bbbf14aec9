import { type Consumer, Kafka, logLevel, type Message } from 'kafkajs';
import type TestAgent from 'supertest/lib/agent';
import { bearer, type TestApp, tenantToken } from './test-app';
import { randomUUID } from 'node:crypto';
import { kafkaClientConfig } from '../../src/ingestion/kafka/kafka-connection';

/**
 * Environment for a test app that runs the ingestion consumer: a topic and consumer group of
 * its own, so test files running in parallel never read each other's events.
 */
export function ingestionEnv(
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const suffix = `${name}.${process.pid}.${Date.now().toString(36)}`;
  return {
    KAFKA_EVENTS_TOPIC: `test.${suffix}`,
    KAFKA_CONSUMER_GROUP: `test-group.${suffix}`,
    KAFKA_EVENTS_PARTITIONS: '3',
    INGESTION_CONSUMER: 'on',
    ...extra,
  };
}

/** A valid event of the contract, timestamped now unless told otherwise. */
export function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    event_type: 'page_view',
    timestamp: new Date().toISOString(),
    user_id: `user-${Math.floor(Math.random() * 1000)}`,
    session_id: `session-${Math.floor(Math.random() * 100)}`,
    properties: { page_url: '/pricing', browser: 'firefox', country: 'DE' },
    ...overrides,
  };
}

/** Polls `read` until it returns `expected` (or the time runs out), then returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  expected: T,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/**
 * Whose credentials a test's Kafka client uses: the app's principal (its topics and groups), the
 * test producer's (may only write test topics), the admin's (the broker's super user), or none.
 */
export type TestPrincipal = 'app' | 'producer' | 'admin' | 'anonymous';

/** A kafkajs client on the test stack's brokers, quiet, as the given principal. */
export function testKafka(clientId: string, principal: TestPrincipal = 'app'): Kafka {
  const env = process.env;
  const user = {
    app: [env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD],
    producer: [env.KAFKA_TEST_PRODUCER_USERNAME, env.KAFKA_TEST_PRODUCER_PASSWORD],
    admin: [env.KAFKA_ADMIN_USERNAME, env.KAFKA_ADMIN_PASSWORD],
    anonymous: [undefined, undefined],
  }[principal];
  return new Kafka({
    clientId,
    logLevel: logLevel.NOTHING,
    ...kafkaClientConfig({
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_SASL_USERNAME: user[0],
      KAFKA_SASL_PASSWORD: user[1],
    }),
  });
}

/** The live kafkajs consumer inside a test app's ingestion transport (a new one after a restart). */
export function consumerOf(t: TestApp): Consumer {
  const [microservice] = t.app.getMicroservices() as unknown as { unwrap<T>(): T }[];
  return microservice.unwrap<Consumer>();
}

/** An API key of the tenant, made through the API: what a direct Kafka producer signs with. */
export async function createProducerKey(
  http: TestAgent,
  tenantId: string,
  scopes: string[] = ['events:write'],
): Promise<string> {
  const response = await http
    .post('/v1/api-keys')
    .set(bearer(tenantToken(tenantId)))
    .send({ name: 'kafka producer', scopes })
    .expect(201);
  return response.body.key as string;
}

/** A message as a direct producer sends it: keyed by its tenant, naming it by an API key. */
export function producerMessage(
  tenantId: string,
  apiKey: string,
  value: string,
  headers: Record<string, string> = {},
): Message {
  return { key: tenantId, value, headers: { api_key: apiKey, ...headers } };
}

/**
 * Produces messages as the test producer principal (it may only write test topics); answers
 * where the first one landed.
 */
export async function produceDirect(
  topic: string,
  messages: Message[],
): Promise<{ partition: number; offset: string }> {
  const producer = testKafka('test-direct-producer', 'producer').producer();
  await producer.connect();
  try {
    const [first] = await producer.send({ topic, messages });
    return { partition: first.partition, offset: first.baseOffset ?? '-1' };
  } finally {
    await producer.disconnect();
  }
}

/** A message read back from a dead-letter topic: its key, value and headers as text. */
export interface DeadLetterRecord {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** The first `count` messages on a dead-letter topic, in partition order (20 s at most). */
export async function readDeadLetters(topic: string, count: number): Promise<DeadLetterRecord[]> {
  const consumer = testKafka('test-dlq-reader').consumer({ groupId: `test-dlq-${randomUUID()}` });
  const letters: DeadLetterRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
        }
        letters.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
        });
        if (letters.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return letters;
}

/** The dlq_reason headers of the first `count` messages on a dead-letter topic (20 s at most). */
export async function readDeadLetterReasons(topic: string, count: number): Promise<string[]> {
  return (await readDeadLetters(topic, count)).map((letter) => letter.headers.dlq_reason ?? '?');
}
