import type { EventRow } from '../../src/ingestion/events/event-contract';

/**
 * The events both ClickHouse engines of the compatibility run hold: deterministic (a seeded
 * PRNG, no clock), three tenants over 40 days that cross a month edge and Europe/Berlin's and
 * America/New_York's autumn DST changes, property values with quotes, backslashes, commas and
 * braces, numbers and booleans, and re-delivered events: ids sent again in a later insert (kept
 * as two rows until a merge, folded by FINAL) and twice inside one insert.
 */

export const FIXTURE_TENANTS = [
  '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  '9b2e4c1a-7d3f-4a55-8e21-6c0f1d2b3a44',
  'c0ffee00-1234-4abc-8def-0123456789ab',
] as const;

export const FIXTURE_FROM = new Date('2026-10-10T00:00:00.000Z');
export const FIXTURE_TO = new Date('2026-11-19T00:00:00.000Z');

/** Rows per insert: the answers must not depend on how the rows were cut into parts. */
const BATCH_ROWS = 500;
const EVENTS_PER_TENANT = 4_000;

export const EVENT_TYPES = ['signup', 'page_view', 'purchase', 'checkout.start', 'search:query'];

/** Awkward property values: each reaches SQL through the literal escaping and the key regex. */
export const PROPERTY_VALUES = {
  country: ['DE', 'US', 'IN', 'FR', ''],
  plan: ['pro "plus"', 'basic', "it's", 'a,b}', 'x\\y'],
  path: ['C:\\temp\\x', '/home', '\\\\server\\share', '{"nested":1}'],
  price: [49, 9.5, 0, -3],
  beta: [true, false],
  city: ['Zürich', 'München', 'São Paulo'],
} as const;

/** Instants where bucket edges differ by zone: Berlin's DST end, New York's, a month edge. */
const HOT_SPOTS = [
  Date.parse('2026-10-25T00:00:00Z'),
  Date.parse('2026-11-01T05:00:00Z'),
  Date.parse('2026-10-31T22:00:00Z'),
];

/** mulberry32: a small, well-known seeded PRNG (same sequence on every machine). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A version-4-shaped UUID from the PRNG. */
function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)];

function properties(random: () => number): EventRow['properties'] {
  const out: EventRow['properties'] = {};
  for (const [key, values] of Object.entries(PROPERTY_VALUES)) {
    if (random() < 0.7) out[key] = pick(random, values as readonly (string | number | boolean)[]);
  }
  return out;
}

function timestamp(random: () => number): Date {
  const span = FIXTURE_TO.getTime() - FIXTURE_FROM.getTime();
  // A fifth of the events within three hours of an edge, so hour and minute buckets there fill.
  const at =
    random() < 0.2
      ? pick(random, HOT_SPOTS) + Math.floor((random() - 0.5) * 6 * 3_600_000)
      : FIXTURE_FROM.getTime() + Math.floor(random() * span);
  return new Date(at);
}

/** The fixture's inserts, in order: each inner array is one INSERT on both engines. */
export function fixtureBatches(): EventRow[][] {
  const random = prng(18);
  const rows: EventRow[] = [];
  for (const tenantId of FIXTURE_TENANTS) {
    for (let i = 0; i < EVENTS_PER_TENANT; i += 1) {
      const user = Math.floor(random() * 120);
      // About one event in twelve has no user (and so no session), as anonymous traffic has.
      const userId = random() < 0.08 ? '' : `user-${user}`;
      rows.push({
        tenantId,
        eventId: uuid(random),
        eventType: pick(random, EVENT_TYPES),
        timestamp: timestamp(random),
        userId,
        sessionId: userId ? `${userId}-s${Math.floor(random() * 4)}` : '',
        properties: properties(random),
        receivedAt: new Date(FIXTURE_TO.getTime() + i * 1000),
      });
    }
  }
  // Shuffled, so every insert mixes tenants and days (many parts, many partitions).
  for (let i = rows.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const batches: EventRow[][] = [];
  for (let i = 0; i < rows.length; i += BATCH_ROWS) batches.push(rows.slice(i, i + BATCH_ROWS));
  // Re-deliveries: 3% of the events again in a later insert, and a few twice in one insert.
  const again = rows.filter(() => random() < 0.03);
  const redelivered = again.map((row) => ({
    ...row,
    receivedAt: new Date(row.receivedAt.getTime() + 1),
  }));
  redelivered.push(...redelivered.slice(0, 5));
  batches.push(redelivered);
  return batches;
}

/** Distinct event ids per tenant: what every FINAL count of the whole range must answer. */
export function distinctEventsPerTenant(batches: EventRow[][]): Map<string, number> {
  const ids = new Map<string, Set<string>>();
  for (const row of batches.flat()) {
    if (!ids.has(row.tenantId)) ids.set(row.tenantId, new Set());
    ids.get(row.tenantId)!.add(row.eventId);
  }
  return new Map([...ids].map(([tenant, set]) => [tenant, set.size]));
}
