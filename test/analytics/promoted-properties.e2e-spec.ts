import type { Client } from 'pg';
import type { EventFilter } from '../../src/analytics/query/analytics-query';
import type { BreakdownRow, SummaryCounts } from '../../src/analytics/stores/analytics-store';
import { PROMOTED_PROPERTIES } from '../../src/analytics/stores/promoted-properties';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { type BothStores, eventRow, openBothStores } from '../support/analytics-stores';
import { connectAs } from '../support/sql';
import { createTenant, createTestApp, type TestApp } from '../support/test-app';

const HOUR = 3_600_000;

/**
 * Values a property can hold, the awkward ones included: text the JSON escapes (quote,
 * backslash, control characters), JSON's own punctuation, text that looks like a number or a
 * boolean, the number and boolean themselves, the empty string, other scripts.
 */
const VALUES: (string | number | boolean)[] = [
  'DE',
  'US',
  '49',
  49,
  4.5,
  true,
  'false',
  '',
  'a"b',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  'bell\u0007',
  'x,y',
  'x}y',
  '[1',
  '{"a":1}',
  'ünïcödé',
  '日本',
  '😀',
  ' spaced ',
  'null',
];

/**
 * Promoted properties (issue 19): a filter or breakdown by a promoted key reads its column,
 * one by any other key reads the JSON. Every event here holds the same value under `country`
 * and `device` (promoted) and under `region` and `platform` (not), so each question asked of
 * both keys must get one answer, in both stores, and that answer must be what the raw
 * properties say.
 */
describe('promoted properties: the column and the JSON give the same answers', () => {
  let t: TestApp;
  let both: BothStores;
  let tenantId: string;
  let rows: EventRow[];
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = (await createTenant(t.http)).id;
    both = await openBothStores(t);
    rows = [];
    VALUES.forEach((value, index) => {
      // A few events per value, a different number for each so the breakdown's order is fixed.
      for (let copy = 0; copy <= index % 4; copy++) {
        const at = new Date(now - ((index * 4 + copy) % 48) * HOUR);
        rows.push(
          eventRow(tenantId, 'page_view', at, `user-${index}-${copy}`, {
            country: value,
            region: value,
            device: value,
            platform: value,
          }),
        );
      }
    });
    // Events without the keys at all: never counted under any value, the empty one included.
    for (let i = 0; i < 5; i++) {
      rows.push(eventRow(tenantId, 'signup', new Date(now - i * HOUR), `user-none-${i}`));
    }
    await both.write(rows);
  });
  afterAll(async () => {
    await both.close();
    await t.close();
  });

  const base = (): EventFilter => ({
    tenantId,
    from: new Date(now - 72 * HOUR),
    to: new Date(now + 1000),
    properties: [],
  });

  /** What the raw properties say: events whose key's value, as text, is `value`. */
  function expectedSummary(key: string, value: string): SummaryCounts {
    const hits = rows.filter(
      (row) => key in row.properties && String(row.properties[key]) === value,
    );
    return {
      events: hits.length,
      users: new Set(hits.map((row) => row.userId)).size,
      sessions: new Set(hits.map((row) => row.sessionId)).size,
    };
  }

  /** Top values by events, ties by value in byte order, the empty value left out. */
  function expectedBreakdown(key: string): BreakdownRow[] {
    const counts = new Map<string, number>();
    for (const row of rows) {
      if (!(key in row.properties)) continue;
      const text = String(row.properties[key]);
      if (text !== '') counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    return [...counts]
      .map(([value, events]) => ({ value, events }))
      .sort((a, b) =>
        b.events !== a.events
          ? b.events - a.events
          : Buffer.compare(Buffer.from(a.value), Buffer.from(b.value)),
      );
  }

  it('a filter by a promoted key counts what the JSON filter counts, for every kind of value', async () => {
    const texts = [...new Set(VALUES.map(String)), 'absent', 'de'];
    for (const store of both.stores) {
      for (const value of texts) {
        for (const [promoted, plain] of [
          ['country', 'region'],
          ['device', 'platform'],
        ]) {
          const expected = expectedSummary(plain, value);
          const viaColumn = await store.summary({ ...base(), properties: [[promoted, value]] });
          const viaJson = await store.summary({ ...base(), properties: [[plain, value]] });
          expect({ store: store.kind, value, promoted, counts: viaColumn }).toEqual({
            store: store.kind,
            value,
            promoted,
            counts: expected,
          });
          expect({ store: store.kind, value, plain, counts: viaJson }).toEqual({
            store: store.kind,
            value,
            plain,
            counts: expected,
          });
        }
      }
      // Two filters at once, one promoted and one not, and a type.
      expect(
        await store.summary({
          ...base(),
          eventType: 'page_view',
          properties: [
            ['country', '49'],
            ['platform', '49'],
          ],
        }),
      ).toEqual(expectedSummary('country', '49'));
    }
  });

  it('a breakdown by a promoted key lists what the JSON breakdown lists', async () => {
    for (const store of both.stores) {
      for (const [promoted, plain] of [
        ['country', 'region'],
        ['device', 'platform'],
      ]) {
        const expected = expectedBreakdown(plain);
        expect(expected.length).toBeGreaterThan(15);
        const viaColumn = await store.breakdown(base(), { kind: 'property', key: promoted }, 100);
        const viaJson = await store.breakdown(base(), { kind: 'property', key: plain }, 100);
        expect({ store: store.kind, promoted, rows: viaColumn }).toEqual({
          store: store.kind,
          promoted,
          rows: expected,
        });
        expect({ store: store.kind, plain, rows: viaJson }).toEqual({
          store: store.kind,
          plain,
          rows: expected,
        });
      }
    }
  });

  it('every promoted key has its column in both stores, filled by the store at insert', async () => {
    const owner: Client = await connectAs('owner');
    try {
      const { rows: columns } = await owner.query<{
        column_name: string;
        generation_expression: string;
      }>(
        `SELECT column_name, generation_expression FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'events' AND is_generated = 'ALWAYS'`,
      );
      const generated = new Map(columns.map((c) => [c.column_name, c.generation_expression]));
      for (const [key, column] of PROMOTED_PROPERTIES) {
        expect(generated.get(column)).toBe(`(properties ->> '${key}'::text)`);
      }
      expect([...generated.keys()]).toEqual(expect.arrayContaining(['user_hash', 'session_hash']));
    } finally {
      await owner.end();
    }
    const clickhouse = new ClickHouseEventStore(
      process.env.CLICKHOUSE_URL!,
      process.env.CLICKHOUSE_DATABASE!,
    );
    try {
      const materialized = await clickhouse.select<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns
          WHERE database = '${process.env.CLICKHOUSE_DATABASE}' AND table = 'events'
            AND default_kind = 'MATERIALIZED'`,
      );
      const names = new Map(materialized.map((c) => [c.name, c.type]));
      for (const column of PROMOTED_PROPERTIES.values()) expect(names.get(column)).toBe('String');
      expect(names.get('user_hash')).toBe('UInt64');
      expect(names.get('session_hash')).toBe('UInt64');
    } finally {
      await clickhouse.close();
    }
  });
});
