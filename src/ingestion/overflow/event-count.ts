/** The key every valid event has, as most producers write it. */
const EVENT_ID_KEY = Buffer.from('"event_id"');
/** Where a JSON text may spell a character as an escape: `\u0065` is `e`. */
const UNICODE_ESCAPE = Buffer.from('\\u');
/**
 * Every JSON spelling of the key "event_id": each character as itself or as a `\u` escape (hex
 * digits of either case). Its characters are letters and `_`, which no other escape stands for.
 */
const EVENT_ID_KEY_ANY_SPELLING =
  /"(?:e|\\u0065)(?:v|\\u0076)(?:e|\\u0065)(?:n|\\u006[eE])(?:t|\\u0074)(?:_|\\u005[fF])(?:i|\\u0069)(?:d|\\u0064)"/g;

/**
 * The events a topic message holds, without parsing it: the keys naming an event_id (at least
 * one). Every valid event has one, so a message cannot hold more stored events than this, however
 * its keys are spelt: the plain `"event_id"` is counted by a byte search; only a value holding
 * a `\u` escape at all is searched again for the escaped spellings. A key of the same name
 * among an event's properties counts too: a producer can inflate only its own rate.
 */
export function countEvents(value: Buffer | null): number {
  if (!value) return 1;
  if (value.includes(UNICODE_ESCAPE)) {
    const matches = value.toString('latin1').match(EVENT_ID_KEY_ANY_SPELLING);
    return Math.max(1, matches?.length ?? 0);
  }
  let count = 0;
  for (let at = value.indexOf(EVENT_ID_KEY); at !== -1; ) {
    count += 1;
    at = value.indexOf(EVENT_ID_KEY, at + EVENT_ID_KEY.length);
  }
  return Math.max(1, count);
}
