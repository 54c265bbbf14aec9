import type { EventFilter } from '../../src/analytics/query/analytics-query';
import type { Interval } from '../../src/analytics/query/buckets';
import type { FunnelDefinition } from '../../src/analytics/query/funnel';
import type { RetentionEvents, RetentionInterval } from '../../src/analytics/query/retention';
import type { Dimension, Metric } from '../../src/analytics/stores/analytics-store';
import { ClickHouseAnalyticsStore } from '../../src/analytics/stores/clickhouse-analytics.store';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import type { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { identifier } from '../../src/ingestion/store/clickhouse/sql-literal';
import { clickhouseSchema } from '../../migrations/clickhouse/schema';
import { FIXTURE_FROM, FIXTURE_TENANTS, FIXTURE_TO } from './fixture';

/** One SQL text the analytics adapter sends, named by the call that produced it. */
export interface CorpusQuery {
  id: string;
  sql: string;
}

/**
 * Stands in for the event store under the REAL ClickHouseAnalyticsStore: every text the adapter
 * would send is kept, and every read answers no rows (the adapter builds each text from its
 * arguments alone, never from an earlier answer).
 */
class RecordingEventStore {
  readonly texts: string[] = [];

  constructor(private readonly clean: ReadonlySet<string> = new Set()) {}

  /** The weeks the compaction job would have merged (the adapter reads them without FINAL). */
  cleanWeeks(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.clean));
  }

  selectWithStatistics<T>(
    sql: string,
  ): Promise<{ rows: T[]; rowsRead: number; bytesRead: number }> {
    this.texts.push(sql);
    return Promise.resolve({ rows: [], rowsRead: 0, bytesRead: 0 });
  }

  select<T>(sql: string): Promise<T[]> {
    this.texts.push(sql);
    return Promise.resolve([]);
  }
}

export const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kolkata'] as const;

const at = (iso: string) => new Date(iso);

/**
 * The ranges every route is asked over: the whole fixture (40 days, whole UTC days), Berlin's
 * DST night with ragged ends (rollups read whole days plus raw edges), a month edge, and three
 * hours around the DST change (the only one fine enough for minute buckets).
 */
const RANGES = {
  all: { from: FIXTURE_FROM, to: FIXTURE_TO },
  dst: { from: at('2026-10-23T20:00:00Z'), to: at('2026-10-27T04:00:00Z') },
  month: { from: at('2026-10-30T12:34:56Z'), to: at('2026-11-03T07:00:00Z') },
  night: { from: at('2026-10-24T23:30:00Z'), to: at('2026-10-25T02:30:00Z') },
} as const;

/** The filter sets: none, an event type, properties of each kind, awkward characters. */
const FILTERS: Record<string, Pick<EventFilter, 'eventType' | 'properties'>> = {
  none: { properties: [] },
  type: { eventType: 'page_view', properties: [] },
  country: { properties: [['country', 'DE']] },
  quotes: { properties: [['plan', 'pro "plus"']] },
  apostrophe: { eventType: 'purchase', properties: [['plan', "it's"]] },
  backslash: { properties: [['path', 'C:\\temp\\x']] },
  number: { properties: [['price', '49']] },
  decimal: { properties: [['price', '9.5']] },
  two: {
    properties: [
      ['beta', 'true'],
      ['country', 'US'],
    ],
  },
  braces: {
    properties: [
      ['plan', 'a,b}'],
      ['path', '{"nested":1}'],
    ],
  },
  unicode: { properties: [['city', 'Zürich']] },
  absent: { properties: [['country', 'XX']] },
};

/** Filters asked in every zone, metric and interval; the others more lightly (see below). */
const ZONED_FILTERS = ['none', 'type', 'country'];

const DIMENSIONS: Dimension[] = [
  { kind: 'event_type' },
  { kind: 'user_id' },
  { kind: 'property', key: 'country' },
  { kind: 'property', key: 'plan' },
  { kind: 'property', key: 'path' },
  { kind: 'property', key: 'price' },
  { kind: 'property', key: 'beta' },
  { kind: 'property', key: 'city' },
  { kind: 'property', key: 'missing' },
];

const FUNNELS: FunnelDefinition[] = [
  { steps: ['signup', 'page_view', 'purchase'], windowSeconds: 3_600 },
  { steps: ['page_view', 'checkout.start', 'purchase', 'search:query'], windowSeconds: 7 * 86_400 },
  // Not ['purchase', 'purchase']: the API refuses repeated steps (query/funnel.ts), and
  // 18.16 and 26.9 answer them differently (measured: 2 levels against 1).
  { steps: ['search:query', 'purchase'], windowSeconds: 86_400 },
];

const RETENTIONS: RetentionEvents[] = [
  { cohortEvent: 'signup', returnEvent: 'page_view' },
  {},
  { cohortEvent: 'purchase' },
];

/** Intervals a range is asked in: those the routes allow for it (at most 1,000 buckets). */
function intervalsOf(range: keyof typeof RANGES): Interval[] {
  return range === 'night' ? ['minute', 'hour'] : ['hour', 'day', 'week'];
}

const METRICS: Metric[] = ['events', 'users', 'sessions'];

/**
 * Weeks (Mondays) a compaction would leave as one part: the night and dst ranges fall in them
 * (plain reads only), the month range and the whole fixture are split (plain and FINAL).
 */
const COMPACTED_WEEKS = ['2026-10-12', '2026-10-19', '2026-10-26'];

/**
 * What the compaction job would have done to those weeks, run on both engines after the inserts:
 * the compacted texts read them without FINAL, which is exact only once they are merged.
 */
export function compactionStatements(database: string): string[] {
  return COMPACTED_WEEKS.map(
    (week) =>
      `OPTIMIZE TABLE ${identifier(database)}.events PARTITION ID '${week.replace(/-/g, '')}' FINAL`,
  );
}

/**
 * Every SQL text the ClickHouse analytics adapter sends for every route (summary, countEvents
 * behind breakdown's total, timeseries, breakdown, funnel, retention, the timezone check) over
 * the filter sets above, with rollup reads off and on. Texts are kept once (the first call that
 * sends one names it). `database` is the database both engines hold the fixture in.
 */
export async function analyticsCorpus(database: string): Promise<CorpusQuery[]> {
  const seen = new Map<string, string>();
  // Raw and rollup reads with no week compacted; then raw reads with a few weeks compacted (counts
  // add a plain read of those weeks to the FINAL read of the rest).
  const modes = [
    { rollups: false, clean: [] },
    { rollups: true, clean: [] },
    { rollups: false, clean: COMPACTED_WEEKS },
  ];
  for (const { rollups, clean } of modes) {
    const recorder = new RecordingEventStore(new Set(clean));
    const store = new ClickHouseAnalyticsStore(
      recorder as unknown as ClickHouseEventStore,
      database,
      { rollups },
    );
    const mode = `${rollups ? 'rollups' : 'raw'}${clean.length > 0 ? ' compacted' : ''}`;
    const record = async (name: string, call: () => Promise<unknown>) => {
      const start = recorder.texts.length;
      await call();
      recorder.texts.slice(start).forEach((sql, index) => {
        if (!seen.has(sql)) seen.set(sql, `${name} ${mode} #${index + 1}`);
      });
    };
    for (const [rangeName, range] of Object.entries(RANGES) as [
      keyof typeof RANGES,
      (typeof RANGES)['all'],
    ][]) {
      for (const [filterName, parts] of Object.entries(FILTERS)) {
        // Tenant 0 everywhere; tenant 1 on the unfiltered set (another tenant predicate).
        const tenants = filterName === 'none' ? FIXTURE_TENANTS.slice(0, 2) : [FIXTURE_TENANTS[0]];
        for (const tenantId of tenants) {
          const filter: EventFilter = { tenantId, ...range, ...parts };
          const label = `${rangeName}/${filterName}/t${FIXTURE_TENANTS.indexOf(tenantId)}`;
          // The full matrix for the zoned filters; for the others (their WHERE clause is the
          // same text in every route) one call of each route and a breakdown by their property.
          const full = ZONED_FILTERS.includes(filterName);
          await record(`summary ${label}`, () => store.summary(filter));
          await record(`countEvents ${label}`, () => store.countEvents(filter));
          const dimensions = full
            ? DIMENSIONS
            : DIMENSIONS.filter(
                (d) =>
                  d.kind === 'event_type' ||
                  (d.kind === 'property' && parts.properties.some(([key]) => key === d.key)),
              );
          for (const dimension of dimensions) {
            const name =
              dimension.kind === 'property' ? `property.${dimension.key}` : dimension.kind;
            await record(`breakdown ${name} ${label}`, () =>
              store.breakdown(filter, dimension, 10),
            );
          }
          for (const zone of full ? ZONES : ['UTC']) {
            for (const interval of intervalsOf(rangeName)) {
              for (const metric of full ? METRICS : (['events'] as Metric[])) {
                await record(`timeseries ${metric}/${interval}/${zone} ${label}`, () =>
                  store.timeseries(filter, metric, interval, zone),
                );
              }
            }
            if (rangeName === 'night') continue;
            for (const [index, events] of (full ? RETENTIONS : RETENTIONS.slice(0, 1)).entries()) {
              for (const interval of ['day', 'week'] as RetentionInterval[]) {
                await record(`retention ${index}/${interval}/${zone} ${label}`, () =>
                  store.retention(filter, events, interval, zone),
                );
              }
            }
          }
          for (const [index, funnel] of (full ? FUNNELS : FUNNELS.slice(0, 1)).entries()) {
            await record(`funnel ${index} ${label}`, () => store.funnel(filter, funnel));
          }
        }
      }
    }
    for (const zone of [...ZONES, 'America/New_York']) {
      await record(`knowsTimezone ${zone}`, () => store.knowsTimezone(zone));
    }
  }
  return [...seen].map(([sql, id]) => ({ id, sql }));
}

/**
 * The DDL the ClickHouse event store applies at start-up (clickhouse-event.store.ts
 * applySchema): the database, its schema_migrations log, then every schema step.
 */
export function schemaDdl(database: string): string[] {
  const db = identifier(database);
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    ...clickhouseSchema(db).map((step) => step.sql),
  ];
}

/** A fixed stored_at: the only column the writer fills from the clock, read by no query. */
const STORED_AT = FIXTURE_TO.toISOString();

/**
 * One event as the ClickHouse event store's write() sends it (JSONEachRow, ISO timestamps read
 * with date_time_input_format=best_effort): the chDB side inserts these lines.
 */
export function insertLine(row: EventRow): string {
  return JSON.stringify({
    tenant_id: row.tenantId,
    event_id: row.eventId,
    timestamp: row.timestamp.toISOString(),
    event_type: row.eventType,
    user_id: row.userId,
    session_id: row.sessionId,
    properties: JSON.stringify(row.properties),
    received_at: row.receivedAt.toISOString(),
    stored_at: STORED_AT,
  });
}
