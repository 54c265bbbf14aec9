import type { Client } from 'pg';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  readDeadLetters,
} from '../support/ingestion';
import { connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, type TestApp, tenantToken } from '../support/test-app';

/**
 * A direct Kafka producer past its tenant's monthly quota: a message whose events all fit is
 * stored; one that does not fit whole is dead-lettered whole with reason quota_exceeded.
 */
describe('monthly event quota for direct Kafka producers', () => {
  const env = ingestionEnv('quota', { EVENT_STORE: 'postgres' });
  let t: TestApp;
  let owner: Client;

  beforeAll(async () => {
    t = await createTestApp({ env });
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  it('stores what fits and dead-letters the rest with quota_exceeded', async () => {
    const tenant = await createTenant(t.http, { tier: 'starter' });
    await owner.query('BEGIN');
    await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    await owner.query(
      'INSERT INTO usage_daily (tenant_id, day, events_accepted) VALUES ($1, $2, $3)',
      [tenant.id, new Date().toISOString().slice(0, 10), 1_000_000 - 15],
    );
    await owner.query('COMMIT');
    const key = await createProducerKey(t.http, tenant.id);
    const batch = (type: string) => ({
      events: Array.from({ length: 10 }, () => anEvent({ event_type: type })),
    });
    // Keyed by the tenant: one partition, in this order. 15 left: the first message fits, the
    // second (10 > 5 left) does not fit whole, the third neither; one event alone still fits.
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, JSON.stringify(batch('fits'))),
      producerMessage(tenant.id, key, JSON.stringify(batch('too_many'))),
      producerMessage(tenant.id, key, JSON.stringify(batch('too_many'))),
      producerMessage(tenant.id, key, JSON.stringify(anEvent({ event_type: 'single' }))),
    ]);
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'fits'), 10)).toBe(10);
    expect(await eventually(() => store.countEvents(tenant.id, 'single'), 1)).toBe(1);
    const letters = await readDeadLetters(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 2);
    expect(letters.map((l) => l.headers.dlq_reason)).toEqual(['quota_exceeded', 'quota_exceeded']);
    for (const letter of letters) {
      expect(JSON.parse(letter.headers.dlq_errors)).toEqual([
        { field: 'quota', message: expect.stringMatching(/^quota_exceeded: /) },
      ]);
      expect(JSON.parse(letter.value!).events).toHaveLength(10);
    }
    expect(await store.countEvents(tenant.id, 'too_many')).toBe(0);
    const warnings = await t.http
      .get('/v1/audit-log?action=usage.quota_warning')
      .set(bearer(tenantToken(tenant.id)))
      .expect(200);
    expect(warnings.body.data).toHaveLength(0);
  });
});
