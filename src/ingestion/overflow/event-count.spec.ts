import { randomUUID } from 'node:crypto';
import { checkEvent } from '../events/event-contract';
import { decodeEventMessage, messageLimits } from '../pipeline/event-message-decoder';
import { countEvents } from './event-count';

const event = () => ({
  event_id: randomUUID(),
  event_type: 'page_view',
  timestamp: new Date().toISOString(),
});
const batchOf = (count: number) => JSON.stringify({ events: Array.from({ length: count }, event) });

/** Events the consumer would store of this message (what the count must never fall below). */
function stored(text: string): number {
  const decoded = decodeEventMessage(Buffer.from(text), messageLimits('1mb'));
  if (!decoded.ok) return 0;
  return decoded.items.filter((item) => checkEvent(item, Date.now(), 30).ok).length;
}

describe('countEvents: how many events a topic message holds, without parsing it', () => {
  it('counts a batch and a single event', () => {
    expect(countEvents(Buffer.from(batchOf(500)))).toBe(500);
    expect(countEvents(Buffer.from(JSON.stringify(event())))).toBe(1);
    expect(countEvents(null)).toBe(1);
  });

  it('counts keys spelt with JSON escapes, which hid a flood as one event a message', () => {
    const plain = batchOf(300);
    const escapes = [
      (text: string) => text.replaceAll('"event_id"', '"\\u0065vent_id"'),
      (text: string) => text.replaceAll('"event_id"', '"eve\\u006Et\\u005fid"'),
      (text: string) =>
        text.replaceAll(
          '"event_id"',
          '"\\u0065\\u0076\\u0065\\u006e\\u0074\\u005F\\u0069\\u0064"',
        ),
    ];
    for (const escape of escapes) {
      const text = escape(plain);
      expect(text).not.toContain('"event_id"');
      // The consumer stores all of them: the escapes are only spelling.
      expect(stored(text)).toBe(300);
      expect(countEvents(Buffer.from(text))).toBe(300);
    }
  });

  it('is not thrown off by escapes elsewhere, nor by an escaped quote before the name', () => {
    const events = Array.from({ length: 20 }, () => ({
      ...event(),
      properties: { city: 'Z\u00fcrich', note: 'say "event_id" twice' },
    }));
    // As Python's json.dumps writes it by default: non-ASCII as \u escapes.
    const text = JSON.stringify({ events }).replaceAll('\u00fc', '\\u00fc');
    expect(stored(text)).toBe(20);
    expect(countEvents(Buffer.from(text))).toBeGreaterThanOrEqual(20);
  });
});
