import { checkEvent } from './event-contract';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const valid = {
  event_id: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11',
  event_type: 'page_view',
  timestamp: '2026-11-23T11:59:00Z',
  user_id: 'u-1',
  session_id: 's-1',
  properties: { page_url: '/pricing', price: 49.5, trial: true },
};

const fieldsOf = (value: unknown, retentionDays = 90) => {
  const check = checkEvent(value, NOW, retentionDays);
  return check.ok ? [] : [...new Set(check.errors.map((e) => e.field))];
};

describe('checkEvent', () => {
  it('accepts a full event and a minimal one', () => {
    expect(checkEvent(valid, NOW, 90)).toMatchObject({ ok: true });
    const { event_id, event_type, timestamp } = valid;
    expect(checkEvent({ event_id, event_type, timestamp }, NOW, 90)).toMatchObject({ ok: true });
  });

  it.each([
    [{ ...valid, event_id: 'nope' }, ['event_id']],
    [{ ...valid, event_id: undefined }, ['event_id']],
    [{ ...valid, event_type: 'Page View' }, ['event_type']],
    [{ ...valid, event_type: '' }, ['event_type']],
    [{ ...valid, event_type: 'x'.repeat(129) }, ['event_type']],
    [{ ...valid, timestamp: '2026-11-23 11:59' }, ['timestamp']],
    [{ ...valid, timestamp: '2026-11-23T11:59:00' }, ['timestamp']],
    [{ ...valid, timestamp: '2026-11-25T12:00:00Z' }, ['timestamp']],
    [{ ...valid, timestamp: '2026-01-01T00:00:00Z' }, ['timestamp']],
    [{ ...valid, user_id: 42 }, ['user_id']],
    [{ ...valid, session_id: 'x'.repeat(257) }, ['session_id']],
    [{ ...valid, user_id: 'a\u0000b' }, ['user_id']],
    [{ ...valid, user_id: 'lone \ud800 surrogate' }, ['user_id']],
    [{ ...valid, session_id: '\udc00' }, ['session_id']],
    [{ ...valid, properties: { page: 'x\ud83d' } }, ['properties.page']],
    [{ ...valid, properties: { ['k\ud800']: 1 } }, ['properties.?']],
    // A quote or backslash in a key could pass for another key in ClickHouse (issue 11, finding 9).
    [{ ...valid, properties: { 'x"country': 'DE' } }, ['properties.x"country']],
    [{ ...valid, properties: { 'plan\\': 'pro' } }, ['properties.plan\\']],
    [{ ...valid, properties: { nested: { a: 1 } } }, ['properties.nested']],
    [{ ...valid, properties: { list: [1] } }, ['properties.list']],
    [{ ...valid, properties: { nothing: null } }, ['properties.nothing']],
    [{ ...valid, properties: 'flat' }, ['properties']],
    [
      {
        ...valid,
        properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
      },
      ['properties'],
    ],
    [{ ...valid, properties: { big: 'x'.repeat(9000) } }, ['properties']],
    [{ ...valid, tenant_id: 'someone-else' }, ['tenant_id']],
    ['not an object', ['event']],
  ])('refuses %j naming %j', (value, fields) => {
    expect(fieldsOf(value)).toEqual(fields);
  });

  it("uses the plan's retention", () => {
    const old = { ...valid, timestamp: '2026-06-01T00:00:00Z' };
    expect(fieldsOf(old, 90)).toEqual(['timestamp']);
    expect(fieldsOf(old, 730)).toEqual([]);
  });

  it('names every problem of one event, once each', () => {
    const check = checkEvent({ event_id: 'x', event_type: 'A', timestamp: 'y', extra: 1 }, NOW, 90);
    expect(check.ok ? [] : check.errors.map((e) => e.field).sort()).toEqual([
      'event_id',
      'event_type',
      'extra',
      'timestamp',
    ]);
  });
});
