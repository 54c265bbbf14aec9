import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually, ingestionEnv } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const DAY = 86_400_000;

/** Every kind of invalid item the contract knows, each with the field it must be refused for. */
function invalidKinds(): [unknown, string][] {
  const base = () => anEvent({ event_type: 'mixed' });
  const without = (field: string) => {
    const event = base();
    delete event[field];
    return event;
  };
  return [
    [without('event_id'), 'event_id'],
    [{ ...base(), event_id: 'not-a-uuid' }, 'event_id'],
    [{ ...base(), event_id: 42 }, 'event_id'],
    [without('event_type'), 'event_type'],
    [{ ...base(), event_type: '' }, 'event_type'],
    [{ ...base(), event_type: 'x'.repeat(129) }, 'event_type'],
    [{ ...base(), event_type: 'Page View!' }, 'event_type'],
    [without('timestamp'), 'timestamp'],
    [{ ...base(), timestamp: '2026-11-23T10:00:00' }, 'timestamp'],
    [{ ...base(), timestamp: 'yesterday' }, 'timestamp'],
    [{ ...base(), timestamp: new Date(Date.now() + 2 * DAY).toISOString() }, 'timestamp'],
    [{ ...base(), timestamp: new Date(Date.now() - 400 * DAY).toISOString() }, 'timestamp'],
    [{ ...base(), user_id: 123 }, 'user_id'],
    [{ ...base(), user_id: 'u'.repeat(257) }, 'user_id'],
    [{ ...base(), user_id: 'a\u0000b' }, 'user_id'],
    [{ ...base(), session_id: 's'.repeat(257) }, 'session_id'],
    [{ ...base(), properties: 'flat' }, 'properties'],
    [{ ...base(), properties: { nested: { a: 1 } } }, 'properties.nested'],
    [{ ...base(), properties: { list: [1, 2] } }, 'properties.list'],
    [{ ...base(), properties: { nothing: null } }, 'properties.nothing'],
    [
      {
        ...base(),
        properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
      },
      'properties',
    ],
    [{ ...base(), properties: { big: 'x'.repeat(8200) } }, 'properties'],
    [{ ...base(), properties: { 'bad\u0000key': 1 } }, 'properties.bad\u0000key'],
    [{ ...base(), tenant_id: '00000000-0000-4000-8000-000000000000' }, 'tenant_id'],
    [{ ...base(), unexpected: true }, 'unexpected'],
    ['a string', 'event'],
    [42, 'event'],
    [null, 'event'],
    [[base()], 'event'],
  ];
}

describe('ingestion: a 1,000-item batch with every kind of invalid item mixed in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: ingestionEnv('bad-events') });
  });
  afterAll(() => t.close());

  it('rejects each invalid item naming its field and stores exactly the valid ones', async () => {
    const tenant = await createTenant(t.http); // starter plan: 90 days of retention
    const kinds = invalidKinds();
    const items: unknown[] = [];
    const expected = new Map<number, string>();
    for (let index = 0; index < 1000; index++) {
      if (index % 7 === 3) {
        const [item, field] = kinds[expected.size % kinds.length];
        expected.set(index, field);
        items.push(item);
      } else {
        items.push(anEvent({ event_type: 'mixed' }));
      }
    }
    expect(expected.size).toBeGreaterThanOrEqual(kinds.length * 4);

    const response = await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: items })
      .expect(202);
    const valid = 1000 - expected.size;
    expect(response.body.accepted).toBe(valid);
    const rejected = response.body.rejected as {
      index: number;
      errors: { field: string; message: string }[];
    }[];
    expect(rejected.map((r) => r.index)).toEqual([...expected.keys()]);
    for (const rejection of rejected) {
      const fields = rejection.errors.map((e) => e.field);
      expect({ index: rejection.index, fields }).toEqual({
        index: rejection.index,
        fields: expect.arrayContaining([expected.get(rejection.index)]),
      });
      for (const error of rejection.errors) expect(error.message.length).toBeGreaterThan(5);
    }

    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id), valid, 30_000)).toBe(valid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await store.countEvents(tenant.id)).toBe(valid);
  });

  it('accepts requests close to 1 MB, several at once (one Kafka batch may exceed 1 MB)', async () => {
    const tenant = await createTenant(t.http);
    const nearlyFull = () =>
      Array.from({ length: 1000 }, () =>
        anEvent({ event_type: 'full', properties: { blob: 'x'.repeat(700) } }),
      );
    const responses = await Promise.all(
      [nearlyFull(), nearlyFull(), nearlyFull()].map((events) =>
        t.http
          .post('/v1/events')
          .set(bearer(tenantToken(tenant.id)))
          .send({ events }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'full'), 3000, 30_000)).toBe(3000);
  });

  it('answers 413 to a body over 1 MB and accepts nothing from it', async () => {
    const tenant = await createTenant(t.http);
    const big = Array.from({ length: 1000 }, () =>
      anEvent({ properties: { blob: 'x'.repeat(1100) } }),
    );
    const response = await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenant.id)))
      .send({ events: big })
      .expect(413);
    expect(response.body.statusCode).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await t.app.get<EventStore>(EVENT_STORE).countEvents(tenant.id)).toBe(0);
  });
});
