import { decodeEventMessage, messageLimits } from './event-message-decoder';

const limits = messageLimits('1mb');
const decode = (text: string) => decodeEventMessage(Buffer.from(text), limits);

describe('decodeEventMessage: a topic message bounded like an HTTP request', () => {
  it('takes one event or { events: [...] }', () => {
    expect(decode('{"event_type":"a"}')).toEqual({
      ok: true,
      items: [{ event_type: 'a' }],
      batch: false,
    });
    expect(decode('{"events":[{},{}]}')).toMatchObject({ ok: true, batch: true });
  });

  it('refuses nesting past 32 levels before parsing, even when the deep part is an item', () => {
    const deep = `{"events":[${'['.repeat(5000)}${']'.repeat(5000)},{}]}`;
    expect(decode(deep)).toEqual({
      ok: false,
      reason: 'invalid_json',
      errors: [{ field: 'value', message: 'JSON nests deeper than 32 levels' }],
    });
    // Brackets inside strings are text, not depth.
    expect(decode(`{"events":[{"x":"${'['.repeat(100)}"}]}`)).toMatchObject({ ok: true });
  });

  it('does not scan an app-signed value for depth (the API bounded its body), but bounds its size', () => {
    const deep = Buffer.from(`{"events":[${'['.repeat(100)}${']'.repeat(100)},{}]}`);
    expect(decodeEventMessage(deep, limits, true)).toMatchObject({ ok: true, batch: true });
    const big = decodeEventMessage(Buffer.alloc(1024 * 1024 + 1, 0x20), limits, true);
    expect(big).toMatchObject({ ok: false, reason: 'message_too_large' });
  });

  it('refuses a value over the HTTP body limit, an empty value and non-JSON', () => {
    const big = decodeEventMessage(Buffer.alloc(1024 * 1024 + 1, 0x20), limits);
    expect(big).toMatchObject({ ok: false, reason: 'message_too_large' });
    expect(decodeEventMessage(null, limits)).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(decode('{"events": [')).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('refuses an empty batch and one of more than 1,000 events', () => {
    expect(decode('{"events":[]}')).toMatchObject({ ok: false, reason: 'invalid_event' });
    const many = JSON.stringify({ events: Array.from({ length: 1001 }, () => ({})) });
    expect(decode(many)).toMatchObject({
      ok: false,
      reason: 'invalid_event',
      errors: [{ field: 'events', message: 'events must hold 1 to 1000 events' }],
    });
  });

  it('reads the body limit as the environment spells it', () => {
    expect(messageLimits('100kb').maxValueBytes).toBe(100 * 1024);
    expect(messageLimits('2mb').maxValueBytes).toBe(2 * 1024 * 1024);
  });
});
