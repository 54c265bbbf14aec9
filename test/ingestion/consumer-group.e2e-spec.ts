import { AssignerProtocol } from 'kafkajs';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually, ingestionEnv, testKafka } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** Two app copies in one consumer group share the partitions; every event is stored once. */
describe('ingestion: two app instances in one consumer group', () => {
  const env = ingestionEnv('group', { KAFKA_EVENTS_PARTITIONS: '6' });
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await createTestApp({ env });
    two = await createTestApp({ env });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it('stores every event of many tenants exactly once, both instances taking part', async () => {
    const tenants = await Promise.all(Array.from({ length: 12 }, () => createTenant(one.http)));
    // Alternate the API instance too: either one produces, either one consumes.
    await Promise.all(
      tenants.map((tenant, index) =>
        (index % 2 ? one : two).http
          .post('/v1/events')
          .set(bearer(tenantToken(tenant.id)))
          .send({ events: Array.from({ length: 100 }, () => anEvent({ event_type: 'grouped' })) })
          .expect(202),
      ),
    );
    const store = one.app.get<EventStore>(EVENT_STORE);
    for (const tenant of tenants) {
      expect(await eventually(() => store.countEvents(tenant.id, 'grouped'), 100)).toBe(100);
    }
    // Both instances hold partitions of the topic in the one group.
    const admin = testKafka('test-group-check').admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([env.KAFKA_CONSUMER_GROUP]);
      const held = groups[0].members.map(
        (member) =>
          AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[
            env.KAFKA_EVENTS_TOPIC
          ]?.length ?? 0,
      );
      expect(held).toHaveLength(2);
      expect(held.every((count) => count >= 1)).toBe(true);
      expect(held.reduce((a, b) => a + b, 0)).toBe(6);
    } finally {
      await admin.disconnect();
    }
  });
});
