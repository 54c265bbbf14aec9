import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  anEvent,
  eventually,
  ingestionEnv,
  createProducerKey,
  produceDirect,
  producerMessage,
  readDeadLetterReasons,
} from '../support/ingestion';
import { asTenant, connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const MODES = [
  { name: 'HTTP → Kafka → ClickHouse', env: ingestionEnv('ch'), kafka: true, store: 'clickhouse' },
  {
    name: 'HTTP → Kafka → PostgreSQL',
    env: ingestionEnv('pg', { EVENT_STORE: 'postgres' }),
    kafka: true,
    store: 'postgres',
  },
  {
    name: 'HTTP → in-process → PostgreSQL (no Kafka, no ClickHouse)',
    env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
    kafka: false,
    store: 'postgres',
  },
] as const;

describe.each(MODES)('ingestion: $name', ({ env, kafka, store: storeKind }) => {
  let t: TestApp;
  let store: EventStore;
  let tenantA: { id: string; slug: string };
  let tenantB: { id: string; slug: string };

  beforeAll(async () => {
    t = await createTestApp({ env });
    store = t.app.get<EventStore>(EVENT_STORE);
    tenantA = await createTenant(t.http);
    tenantB = await createTenant(t.http);
  });
  afterAll(() => t.close());

  const post = (tenantId: string, body: unknown) =>
    t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenantId)))
      .send(body as object);

  it(`stores into ${storeKind}`, () => {
    expect(store.kind).toBe(storeKind);
  });

  it('stores each accepted event once, under its own tenant only, even when posted twice', async () => {
    const batchA = Array.from({ length: 50 }, () => anEvent({ event_type: 'signup' }));
    const batchB = Array.from({ length: 30 }, () => anEvent({ event_type: 'signup' }));
    expect((await post(tenantA.id, { events: batchA }).expect(202)).body).toEqual({
      accepted: 50,
      rejected: [],
    });
    await post(tenantB.id, { events: batchB }).expect(202);
    await post(tenantA.id, { events: batchA }).expect(202); // the same batch again
    await post(tenantA.id, batchA[0]).expect(202); // and one of them alone
    expect(await eventually(() => store.countEvents(tenantA.id, 'signup'), 50)).toBe(50);
    expect(await eventually(() => store.countEvents(tenantB.id, 'signup'), 30)).toBe(30);
    // Give late duplicates a moment to land, then check nothing was counted twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await store.countEvents(tenantA.id, 'signup')).toBe(50);
  });

  it('rejects bad items one by one, naming their fields, and stores exactly the good ones', async () => {
    const good = Array.from({ length: 5 }, () => anEvent({ event_type: 'purchase' }));
    const bad = [
      anEvent({ event_id: 'not-a-uuid' }),
      anEvent({ event_type: 'Bad Type' }),
      anEvent({ timestamp: 'yesterday' }),
      anEvent({ properties: { nested: { no: true } } }),
      anEvent({ tenant_id: tenantB.id }),
    ];
    const response = await post(tenantA.id, { events: [good[0], ...bad, ...good.slice(1)] }).expect(
      202,
    );
    expect(response.body.accepted).toBe(5);
    expect(
      response.body.rejected.map((r: { index: number; errors: { field: string }[] }) => [
        r.index,
        r.errors.map((e) => e.field),
      ]),
    ).toEqual([
      [1, ['event_id']],
      [2, ['event_type']],
      [3, ['timestamp']],
      [4, ['properties.nested']],
      [5, ['tenant_id']],
    ]);
    expect(await eventually(() => store.countEvents(tenantA.id, 'purchase'), 5)).toBe(5);
    expect(await store.countEvents(tenantB.id, 'purchase')).toBe(0);
  });

  it('answers 400 naming the fields when no event is valid, and stores nothing', async () => {
    const response = await post(tenantA.id, { events: [anEvent({ event_type: '' })] }).expect(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(
      'events[0].event_type',
    );
    await post(tenantA.id, { events: [] }).expect(400);
    await post(tenantA.id, { events: 'all of them' }).expect(400);
    await post(tenantA.id, { events: Array.from({ length: 1001 }, () => anEvent()) }).expect(400);
  });

  it('meters accepted, rejected and stored events per tenant per day', async () => {
    const tenant = await createTenant(t.http);
    const good = Array.from({ length: 3 }, () => anEvent({ event_type: 'metered' }));
    await post(tenant.id, {
      events: [...good, anEvent({ event_id: 'x' }), anEvent({ timestamp: 'y' })],
    }).expect(202);
    await post(tenant.id, { events: good }).expect(202); // resent: accepted again, stored once
    const usage = async () => {
      const sql = await connectAs('app');
      try {
        return await asTenant(sql, tenant.id, async () => {
          const { rows } = await sql.query(
            `SELECT events_accepted::int AS accepted, events_rejected::int AS rejected,
                    events_stored::int AS stored
               FROM usage_daily WHERE day = (now() AT TIME ZONE 'UTC')::date`,
          );
          return rows[0] ?? null;
        });
      } finally {
        await sql.end();
      }
    };
    const expected = storeKind === 'postgres' ? 3 : 6; // ClickHouse counts rows sent, folds later
    const seen = await eventually(
      async () => JSON.stringify(await usage()),
      JSON.stringify({ accepted: 6, rejected: 2, stored: expected }),
      10_000,
    );
    expect(JSON.parse(seen)).toEqual({ accepted: 6, rejected: 2, stored: expected });
  });

  if (kafka) {
    it('stores events an external producer writes straight to the topic, and dead-letters poison', async () => {
      const keyA = await createProducerKey(t.http, tenantA.id);
      const direct = Array.from({ length: 20 }, () => anEvent({ event_type: 'direct' }));
      await produceDirect(env.KAFKA_EVENTS_TOPIC, [
        producerMessage(tenantA.id, keyA, 'not json at all'),
        // A bare tenant_id header names no tenant any more: the API key does.
        {
          key: tenantA.id,
          value: JSON.stringify(anEvent({ event_type: 'direct' })),
          headers: { tenant_id: tenantA.id },
        },
        producerMessage(tenantA.id, keyA, JSON.stringify(anEvent({ event_type: 'NOPE' }))),
        { key: null, value: JSON.stringify(anEvent()) },
        producerMessage(
          tenantA.id,
          keyA,
          JSON.stringify({
            events: [anEvent({ event_type: 'direct' }), anEvent({ timestamp: 'never' })],
          }),
        ),
        ...direct.map((event) => producerMessage(tenantA.id, keyA, JSON.stringify(event))),
      ]);
      // The 20 single events and the valid item of the batch message.
      expect(await eventually(() => store.countEvents(tenantA.id, 'direct'), 21)).toBe(21);

      const reasons = await readDeadLetterReasons(`${env.KAFKA_EVENTS_TOPIC}.dlq`, 5);
      expect(reasons.sort()).toEqual([
        'invalid_event',
        'invalid_event',
        'invalid_json',
        'unauthenticated',
        'unauthenticated',
      ]);
    });
  }
});

describe('ingestion with Kafka unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    t = await createTestApp({ env: { KAFKA_BROKERS: '127.0.0.1:9', INGESTION_CONSUMER: 'off' } });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After, saying nothing was accepted', async () => {
    const tenant = await createTenant(t.http);
    const response = await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: [anEvent(), anEvent()] })
      .expect(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body.message).toMatch(/nothing from this request was accepted/);
    expect(await t.app.get<EventStore>(EVENT_STORE).countEvents(tenant.id)).toBe(0);
  });
});
