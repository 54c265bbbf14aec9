import { randomUUID } from 'node:crypto';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { EventWriter } from '../../src/ingestion/pipeline/event.writer';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  readDeadLetterReasons,
} from '../support/ingestion';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';

const row = (tenantId: string, overrides: Partial<EventRow> = {}): EventRow => ({
  tenantId,
  eventId: randomUUID(),
  eventType: 'refusal',
  timestamp: new Date(),
  userId: 'u',
  sessionId: 's',
  properties: {},
  receivedAt: new Date(),
  ...overrides,
});

/**
 * A row that passes the contract yet the store refuses for good must not stall the pipeline: it
 * is split out of its batch and dead-lettered, and the rest of the batch is stored.
 */
describe('ingestion: rows the store refuses, and tenants that may not store', () => {
  describe.each([
    ['clickhouse', ingestionEnv('refuse-ch')],
    ['postgres', ingestionEnv('refuse-pg', { EVENT_STORE: 'postgres' })],
  ])('%s', (_store, env) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env });
    });
    afterAll(() => t.close());

    /** tenantry_events_dead_lettered_total{reason="store_rejected"} as /metrics shows it. */
    const storeRejectedTotal = async (): Promise<number> => {
      const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('tenantry_events_dead_lettered_total{') &&
            l.includes('reason="store_rejected"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    /** The tenant's dead letters by reason, as GET /admin/tenants/:id/health shows them. */
    const deadLettersOf = async (tenantId: string): Promise<Record<string, number>> =>
      (await t.http.get(`/admin/tenants/${tenantId}/health`).set(adminAuth).expect(200)).body
        .dead_letters.by_reason as Record<string, number>;

    it('stores the good rows of a batch and dead-letters the one it cannot hold', async () => {
      const tenant = await createTenant(t.http);
      const rejectedBefore = await storeRejectedTotal();
      const writer = t.app.get(EventWriter);
      const rows = [
        ...Array.from({ length: 5 }, () => row(tenant.id)),
        row(tenant.id, { timestamp: new Date(Number.NaN) }), // cannot even be serialised
        ...Array.from({ length: 5 }, () => row(tenant.id)),
      ];
      await writer.write(rows); // resolves: the pipeline is not stuck
      const store = t.app.get<EventStore>(EVENT_STORE);
      expect(await store.countEvents(tenant.id, 'refusal')).toBe(10);
      expect(await readDeadLetterReasons(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 1)).toEqual([
        'store_rejected',
      ]);
      // Counted like every other dead letter: the metric, and the tenant's counts by reason.
      expect(await storeRejectedTotal()).toBe(rejectedBefore + 1);
      const rejected = async () => (await deadLettersOf(tenant.id)).store_rejected ?? 0;
      expect(await eventually(rejected, 1)).toBe(1);
    });

    it("dead-letters a suspended tenant's events with the reason, and keeps consuming", async () => {
      const suspended = await createTenant(t.http);
      const suspendedKey = await createProducerKey(t.http, suspended.id);
      await t.http
        .patch(`/admin/tenants/${suspended.id}`)
        .set(adminAuth)
        .send({ status: 'suspended' })
        .expect(200);
      const active = await createTenant(t.http);
      const activeKey = await createProducerKey(t.http, active.id);
      const value = () => JSON.stringify(anEvent({ event_type: 'after-suspension' }));
      await produceDirect(env.KAFKA_EVENTS_TOPIC, [
        producerMessage(suspended.id, suspendedKey, value()),
        producerMessage(active.id, activeKey, value()),
      ]);
      const store = t.app.get<EventStore>(EVENT_STORE);
      expect(await eventually(() => store.countEvents(active.id, 'after-suspension'), 1)).toBe(1);
      expect(await store.countEvents(suspended.id, 'after-suspension')).toBe(0);
      const reasons = await readDeadLetterReasons(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 2);
      expect(reasons).toContain('tenant_suspended');
    });
  });
});
