import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaClientConfig } from '../../src/ingestion/kafka/kafka-connection';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  readDeadLetters,
  testKafka,
} from '../support/ingestion';
import { asTenant, connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const DAY = 86_400_000;

/** A client of the broker as the README's producer principal (may write tenant_events only). */
function readmeProducer(password = process.env.KAFKA_PRODUCER_PASSWORD, retries = 0): Kafka {
  return new Kafka({
    clientId: 'test-readme-producer',
    logLevel: logLevel.NOTHING,
    retry: { retries },
    ...kafkaClientConfig({
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_SASL_USERNAME: process.env.KAFKA_PRODUCER_USERNAME,
      KAFKA_SASL_PASSWORD: password,
    }),
  });
}

async function sendOnce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '{}' }] });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Finding 5 of the security review: the broker takes only authenticated principals, each with
 * only the ACLs it needs, and the consumer takes a direct message's tenant from an API key
 * with events:write, never from a header a producer can set.
 */
describe('Kafka access: the broker and the consumer trust no unauthenticated producer', () => {
  describe('the broker (SASL/SCRAM-SHA-512 and ACLs)', () => {
    const scratchTopic = `test.acl.${randomUUID()}`;
    beforeAll(async () => {
      // Topics that exist, so a refusal is the ACLs' and not "unknown topic".
      const admin = testKafka('test-acl-admin', 'admin').admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        await admin.createTopics({
          waitForLeaders: true,
          topics: ['tenant_events', 'tenant_events.dlq', scratchTopic]
            .filter((topic) => !existing.has(topic))
            .map((topic) => ({ topic, numPartitions: 1 })),
        });
      } finally {
        await admin.disconnect();
      }
    });

    it('refuses a producer without credentials', async () => {
      const anonymous = new Kafka({
        clientId: 'test-anonymous',
        brokers: process.env.KAFKA_BROKERS!.split(','),
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        connectionTimeout: 3000,
      });
      await expect(sendOnce(anonymous, 'tenant_events')).rejects.toThrow();
    });

    it('refuses a producer with a wrong password', async () => {
      await expect(sendOnce(readmeProducer('not-the-password'), 'tenant_events')).rejects.toThrow(
        /SASL SCRAM SHA512 authentication failed|Authentication failed/i,
      );
    });

    it('lets a producer principal write nothing but the events topic, and read nothing', async () => {
      await expect(sendOnce(readmeProducer(), 'tenant_events.dlq')).rejects.toThrow(
        /not authorized|TOPIC_AUTHORIZATION_FAILED/i,
      );
      // No consumer group of its own: it cannot consume, nor read a group's offsets (kafkajs
      // reports the broker's refusal to name the group's coordinator as "not found"), while the
      // app's principal reads the same group's offsets.
      const offsetsAs = async (kafka: Kafka) => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          return await admin.fetchOffsets({
            groupId: 'tenantry-ingestion',
            topics: ['tenant_events'],
          });
        } finally {
          await admin.disconnect();
        }
      };
      await expect(offsetsAs(readmeProducer(undefined, 1))).rejects.toThrow(
        /group coordinator|not authorized|AUTHORIZATION_FAILED/i,
      );
      await expect(offsetsAs(testKafka('test-app-offsets'))).resolves.toHaveLength(1);
    }, 20_000);

    it("lets the app's principal read and write its own topics but not delete them", async () => {
      const admin = testKafka('test-app-admin').admin();
      await admin.connect();
      try {
        await expect(admin.deleteTopics({ topics: [scratchTopic] })).rejects.toThrow(
          /not authorized|AUTHORIZATION_FAILED/i,
        );
      } finally {
        await admin.disconnect();
      }
    });
  });

  describe('the consumer (message authentication)', () => {
    const env = ingestionEnv('kafka-access');
    let t: TestApp;
    let store: EventStore;
    beforeAll(async () => {
      t = await createTestApp({ env });
      store = t.app.get<EventStore>(EVENT_STORE);
      // The consumer has joined and stores before the first direct message.
      const warm = await createTenant(t.http);
      await t.http
        .post('/v1/events')
        .set(bearer(tenantToken(warm.id)))
        .send(anEvent({ event_type: 'warm' }))
        .expect(202);
      await eventually(() => store.countEvents(warm.id, 'warm'), 1, 20_000);
    });
    afterAll(() => t.close());

    it("dead-letters as unauthenticated a message naming one tenant with another tenant's key", async () => {
      const [victim, attacker] = [await createTenant(t.http), await createTenant(t.http)];
      const attackerKey = await createProducerKey(t.http, attacker.id);
      const readOnlyKey = await createProducerKey(t.http, victim.id, ['analytics:read']);
      const event = (type: string) => JSON.stringify(anEvent({ event_type: type }));
      await produceDirect(env.KAFKA_EVENTS_TOPIC, [
        producerMessage(victim.id, attackerKey, event('forged'), { tenant_id: victim.id }),
        { key: victim.id, value: event('forged'), headers: { tenant_id: victim.id } },
        producerMessage(victim.id, readOnlyKey, event('forged')),
        producerMessage(victim.id, 'tk_not-a-key', event('forged')),
        // A forged app signature does not make the headers the app's.
        {
          key: victim.id,
          value: event('forged'),
          headers: {
            tenant_id: victim.id,
            received_at: String(Date.now()),
            ingested_via: 'http',
            app_signature: 'Zm9yZ2Vk',
          },
        },
        // The attacker's own key writes into the attacker's tenant only.
        producerMessage(attacker.id, attackerKey, event('own')),
      ]);
      expect(await eventually(() => store.countEvents(attacker.id, 'own'), 1, 20_000)).toBe(1);
      const letters = await readDeadLetters(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 5);
      expect(letters.map((l) => l.headers.dlq_reason)).toEqual(Array(5).fill('unauthenticated'));
      // Dead letters naming no tenant spread over the dead-letter topic's partitions.
      expect(letters.map((l) => JSON.parse(l.headers.dlq_errors)[0].field).sort()).toEqual([
        'api_key',
        'api_key',
        'api_key',
        'app_signature',
        'tenant_id',
      ]);
      // Nothing names the victim as their tenant, and none of the key material is copied.
      for (const letter of letters) {
        expect(letter.headers.tenant_id).toBeUndefined();
        expect(letter.headers.api_key).toBeUndefined();
      }
      expect(await store.countEvents(victim.id)).toBe(0);
    }, 60_000);

    it('meters direct events as accepted and judges them against now, whatever their headers say', async () => {
      const tenant = await createTenant(t.http); // starter: 90 days of retention
      const key = await createProducerKey(t.http, tenant.id);
      await produceDirect(env.KAFKA_EVENTS_TOPIC, [
        // ingested_via: http would have skipped metering; received_at 29 days back would have
        // let in an event 100 days old.
        producerMessage(
          tenant.id,
          key,
          JSON.stringify({
            events: [
              anEvent({ event_type: 'metered' }),
              anEvent({
                event_type: 'too-old',
                timestamp: new Date(Date.now() - 100 * DAY).toISOString(),
              }),
            ],
          }),
          { ingested_via: 'http', received_at: String(Date.now() - 29 * DAY) },
        ),
      ]);
      expect(await eventually(() => store.countEvents(tenant.id, 'metered'), 1, 20_000)).toBe(1);
      expect(await store.countEvents(tenant.id, 'too-old')).toBe(0);
      const usage = async () => {
        const sql = await connectAs('app');
        try {
          return await asTenant(sql, tenant.id, async () => {
            const { rows } = await sql.query(
              `SELECT coalesce(sum(events_accepted), 0)::int AS accepted,
                      coalesce(sum(events_dead_lettered), 0)::int AS dead_lettered
                 FROM usage_daily`,
            );
            return JSON.stringify(rows[0]);
          });
        } finally {
          await sql.end();
        }
      };
      const expected = JSON.stringify({ accepted: 1, dead_lettered: 1 });
      expect(await eventually(usage, expected, 15_000)).toBe(expected);
    }, 60_000);
  });
});
