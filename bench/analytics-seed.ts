import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ALL_MIGRATIONS } from '../migrations';
import { clickhouseSchema } from '../migrations/clickhouse/schema';
import { recreateDatabase } from '../src/database/recreate-database';
import { identifier } from '../src/ingestion/store/clickhouse/sql-literal';
import { ClickHouseEventStore } from '../src/ingestion/store/clickhouse-event.store';
import type { TenantTier } from '../src/tenancy/tenant.entity';

/**
 * The analytics bench's data set: `events` events over `tenants` tenants whose sizes follow a
 * Zipf law (tenant of rank r gets a share proportional to 1 / r^zipf), spread over the `days`
 * whole UTC days before the seeding day, in sessions of 6 events by users of skewed activity.
 * Every column of event n of tenant i is a function of (i, n) alone (MD5s cut into 32-bit words,
 * see below), written twice, once in PostgreSQL SQL and once in ClickHouse 18.16 SQL, so both
 * stores hold the same events; the loader checks that they do, per tenant, before it writes the
 * seed marker.
 */
export interface SeedParams {
  events: number;
  tenants: number;
  zipf: number;
  days: number;
}

/** Bump when the generated events change: a marker with another version means reseed. */
export const GENERATOR_VERSION = 2;

/** An event's mix: share of each type in percent, cumulative thresholds on a word % 100. */
const EVENT_TYPES: [string, number][] = [
  ['page_view', 50],
  ['button_click', 72],
  ['add_to_cart', 82],
  ['search', 90],
  ['signup', 96],
  ['purchase', 100],
];
const COUNTRIES: [string, number][] = [
  ['US', 30],
  ['DE', 42],
  ['GB', 52],
  ['IN', 62],
  ['FR', 70],
  ['BR', 78],
  ['JP', 85],
  ['CA', 91],
  ['AU', 96],
  ['NL', 100],
];
const PAGES = ['/', '/pricing', '/docs', '/blog', '/signup', '/checkout', '/account', '/features'];
const BROWSERS = ['chrome', 'safari', 'firefox', 'edge'];
const DEVICES = ['desktop', 'mobile', 'tablet'];
const PLAN_NAMES = ['free', 'pro', 'team'];
/** k = idx * K_STRIDE + n: room for 10^8 events per tenant. */
const K_STRIDE = 100_000_000;

export interface SeedTenant {
  idx: number;
  id: string;
  slug: string;
  tier: TenantTier;
  events: number;
  users: number;
}

export interface SeedMarker {
  seedId: string;
  params: SeedParams;
  generator: number;
  /** Schema the data was loaded under: PostgreSQL migrations and ClickHouse steps. */
  fingerprint: string;
  /** The data ends here (exclusive): UTC midnight of the seeding day, epoch seconds. */
  anchor: number;
  seededAt: string;
  seconds: {
    total: number;
    tenants: number;
    postgres: number;
    rollups: number;
    clickhouse: number;
  };
}

export interface Connections {
  pg: { host: string; port: number; user: string; password: string; maintenance: string };
  clickhouseUrl: string;
  /** The PostgreSQL and ClickHouse database, both; must end in _bench. */
  database: string;
}

export function schemaFingerprint(): string {
  return [
    ...ALL_MIGRATIONS.map((m) => m.name),
    ...clickhouseSchema('x').map((s) => `ch${s.version}`),
  ].join(',');
}

/** Events and users per tenant, largest first; the sizes add up to `events` exactly. */
export function tenantSizes(params: SeedParams): { events: number; users: number }[] {
  const weights = Array.from({ length: params.tenants }, (_, i) => 1 / (i + 1) ** params.zipf);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const events = weights.map((w) => Math.floor((params.events * w) / total));
  let left = params.events - events.reduce((sum, n) => sum + n, 0);
  for (let i = 0; left > 0; i = (i + 1) % events.length, left--) events[i]++;
  if (events[0] >= K_STRIDE) throw new Error(`at most ${K_STRIDE} events per tenant`);
  // About 25 events per user over the period: big tenants have many users, not busier ones.
  return events.map((n) => ({ events: n, users: Math.max(10, Math.ceil(n / 25)) }));
}

/** 1% of tenants (the largest) on enterprise, the next 9% on growth, the rest on starter. */
export function tierOf(idx: number, tenants: number): TenantTier {
  if (idx < Math.max(1, Math.round(tenants * 0.01))) return 'enterprise';
  if (idx < Math.round(tenants * 0.1)) return 'growth';
  return 'starter';
}

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const pgArray = (items: string[], index: string) =>
  `(ARRAY[${items.map(sqlText).join(',')}])[(${index})::int + 1]`;
const chArray = (items: string[], index: string) =>
  `[${items.map(sqlText).join(',')}][${index} + 1]`;
const pgThresholds = (table: [string, number][], value: string) =>
  `CASE ${table
    .slice(0, -1)
    .map(([name, below]) => `WHEN ${value} < ${below} THEN ${sqlText(name)}`)
    .join(' ')} ELSE ${sqlText(table[table.length - 1][0])} END`;
const chThresholds = (table: [string, number][], value: string) =>
  `multiIf(${table
    .slice(0, -1)
    .map(([name, below]) => `${value} < ${below}, ${sqlText(name)}`)
    .join(', ')}, ${sqlText(table[table.length - 1][0])})`;

/** Events per session: a session is 6 consecutive row numbers of a tenant, ~40-80 s apart. */
const SESSION_EVENTS = 6;

/*
 * The generator, one formula in two dialects. For row n of tenant idx (N events, U users):
 *   s = n / 6 (its session), k = idx * 10^8 + n, ks = idx * 10^8 + s
 *   m1 = md5(k) → event words w0..w3: type (w0 % 100), page (w1 % 8), amount and plan (w2),
 *                 seconds after the previous event and received_at delay (w3)
 *   m2 = md5(ks || 's') → session words w4..w7: user u = (w4 % U) * (w5 % U) / U (a few heavy
 *                 users, a long tail), start second of day (w6 % 86400 + w7 % 86400) / 2 (a
 *                 daily peak at noon UTC)
 *   m3 = md5(idx || ':' || u) → user words w8, w9: browser, device, country
 *   day = s * 6 * days / N: the session's day, in row order, so the rows of one day are a
 *   contiguous slice of n and the loader can insert day by day.
 * A word is 8 hex digits of an MD5 read as an unsigned 32-bit integer; every step is integer
 * arithmetic below 2^63, so both servers compute the same values.
 */

/**
 * One day of every tenant's events, PostgreSQL: a DO block that, for each tenant, sets
 * app.tenant_id (FORCE RLS holds the owner too; set_config(..., true) is local to the block's
 * transaction) and inserts that day's slice of the tenant's row numbers from generate_series.
 * Row n of a tenant with N events falls in slice floor(n * days / N), [ceil(day * N / days),
 * ceil((day + 1) * N / days)): the heap fills in time order, all tenants interleaved day by day,
 * roughly as arrival order would fill it. The OFFSET 0 fences keep the planner from inlining each
 * word's expression into every use (that computed each MD5 ~10 times).
 */
export function postgresDaySql(day: number, days: number, start: number): string {
  const word = (m: string, i: number) => `('x' || substr(${m}, ${i * 8 + 1}, 8))::bit(32)::bigint`;
  const L = SESSION_EVENTS;
  return `DO $seed$
DECLARE r record;
BEGIN
  FOR r IN SELECT idx, tenant_id, events, users FROM bench_seed_tenants ORDER BY idx LOOP
    PERFORM set_config('app.tenant_id', r.tenant_id::text, true);
    INSERT INTO events (tenant_id, event_id, "timestamp", event_type, user_id, session_id, properties, received_at)
    SELECT r.tenant_id, g.m1::uuid, to_timestamp(g.ts), g.event_type, 'user-' || g.u, 'session-' || g.s,
           jsonb_build_object('page_url', g.page, 'browser', g.browser, 'device', g.device, 'country', g.country)
             || CASE g.event_type
                  WHEN 'purchase' THEN jsonb_build_object('amount', round((g.w2 % 50000)::numeric / 100, 2))
                  WHEN 'signup' THEN jsonb_build_object('plan', g.plan)
                  ELSE '{}'::jsonb END,
           to_timestamp(g.ts + g.w3 % 3)
      FROM (
        SELECT m1, s, u, w2, w3,
               ${start} + day * 86400 + ((w6 % 86400) + (w7 % 86400)) / 2 + (n % ${L}) * 40 + w3 % 40 AS ts,
               ${pgThresholds(EVENT_TYPES, 'w0 % 100')} AS event_type,
               ${pgArray(PAGES, 'w1 % 8')} AS page,
               ${pgArray(PLAN_NAMES, '(w2 / 50000) % 3')} AS plan,
               ${pgArray(BROWSERS, 'w8 % 4')} AS browser,
               ${pgArray(DEVICES, '(w8 / 4) % 3')} AS device,
               ${pgThresholds(COUNTRIES, 'w9 % 100')} AS country
          FROM (
            SELECT n, s, day, m1, u, w0, w1, w2, w3, w6, w7, ${word('m3', 0)} AS w8, ${word('m3', 1)} AS w9
              FROM (
                SELECT n, s, day, m1, u, w0, w1, w2, w3, w6, w7, md5(r.idx || ':' || u) AS m3
                  FROM (
                    SELECT n, s, day, m1, w0, w1, w2, w3, w6, w7, ((w4 % r.users) * (w5 % r.users)) / r.users AS u
                      FROM (
                        SELECT n, s, (s * ${L * days}) / r.events AS day, m1,
                               ${[0, 1, 2, 3].map((i) => `${word('m1', i)} AS w${i}`).join(', ')},
                               ${[0, 1, 2, 3].map((i) => `${word('m2', i)} AS w${i + 4}`).join(', ')}
                          FROM (
                            SELECT n, s, md5(k::text) AS m1, md5(ks::text || 's') AS m2
                              FROM (SELECT n, n / ${L} AS s, r.idx::bigint * ${K_STRIDE} + n AS k,
                                           r.idx::bigint * ${K_STRIDE} + n / ${L} AS ks
                                      FROM generate_series((${day}::bigint * r.events + ${days - 1}) / ${days},
                                                           (${day + 1}::bigint * r.events + ${days - 1}) / ${days} - 1) AS n
                                    OFFSET 0) a
                          OFFSET 0) b
                      OFFSET 0) c
                  OFFSET 0) d
              OFFSET 0) e
          OFFSET 0) f
      OFFSET 0) g;
  END LOOP;
END
$seed$`;
}

/** The same events for ClickHouse 18.16, for the tenants with lo <= idx < hi. */
export function clickhouseInsertSql(
  db: string,
  lo: number,
  hi: number,
  days: number,
  start: number,
): string {
  const word = (m: string, i: number) =>
    `toUInt64(reinterpretAsUInt32(reverse(substring(${m}, ${i * 4 + 1}, 4))))`;
  const L = SESSION_EVENTS;
  return `INSERT INTO ${db}.events
    (tenant_id, event_id, timestamp, event_type, user_id, session_id, properties, received_at, stored_at)
  SELECT tenant_id, toUUID(UUIDNumToString(m1)), toDateTime(ts), et, concat('user-', toString(u)),
         concat('session-', toString(s)),
         concat('{"page_url":"', page, '","browser":"', browser, '","device":"', device,
                '","country":"', country, '"',
                multiIf(et = 'purchase',
                        concat(',"amount":', toString(intDiv(w2 % 50000, 100)), '.',
                               if(w2 % 100 < 10, '0', ''), toString(w2 % 100)),
                        et = 'signup', concat(',"plan":"', plan, '"'), ''),
                '}'),
         toDateTime(ts + w3 % 3), now()
    FROM (
      SELECT tenant_id, n, intDiv(n, ${L}) AS s,
             toUInt64(idx) * ${K_STRIDE} + n AS k, toUInt64(idx) * ${K_STRIDE} + s AS ks,
             MD5(toString(k)) AS m1, MD5(concat(toString(ks), 's')) AS m2,
             ${[0, 1, 2, 3].map((i) => `${word('m1', i)} AS w${i}`).join(', ')},
             ${[0, 1, 2, 3].map((i) => `${word('m2', i)} AS w${i + 4}`).join(', ')},
             intDiv(s * ${L * days}, events) AS day,
             intDiv((w4 % users) * (w5 % users), users) AS u,
             MD5(concat(toString(idx), ':', toString(u))) AS m3,
             ${word('m3', 0)} AS w8, ${word('m3', 1)} AS w9,
             ${start} + day * 86400 + intDiv(w6 % 86400 + w7 % 86400, 2) + (n % ${L}) * 40 + w3 % 40 AS ts,
             ${chThresholds(EVENT_TYPES, 'w0 % 100')} AS et,
             ${chArray(PAGES, 'w1 % 8')} AS page,
             ${chArray(PLAN_NAMES, 'intDiv(w2, 50000) % 3')} AS plan,
             ${chArray(BROWSERS, 'w8 % 4')} AS browser,
             ${chArray(DEVICES, 'intDiv(w8, 4) % 3')} AS device,
             ${chThresholds(COUNTRIES, 'w9 % 100')} AS country
        FROM ${db}.bench_seed_tenants
        ARRAY JOIN range(events) AS n
       WHERE idx >= ${lo} AND idx < ${hi}
    )`;
}

export function clickhouseClient(url: string): ClickHouseClient {
  return createClient({
    url,
    request_timeout: 3_600_000,
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

export async function ownerClient(c: Connections, database = c.database): Promise<Client> {
  const client = new Client({
    host: c.pg.host,
    port: c.pg.port,
    user: c.pg.user,
    password: c.pg.password,
    database,
    application_name: 'tenantry-bench',
  });
  await client.connect();
  await client.query('SET statement_timeout = 0');
  return client;
}

async function chRows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const result = await ch.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

/**
 * The marker of the data set in place, when both stores hold the same seeding of these
 * parameters under the current schema and it is recent enough; otherwise why not.
 */
export async function findSeed(
  c: Connections,
  params: SeedParams,
  log: (line: string) => void = () => undefined,
): Promise<{ marker: SeedMarker; tenants: SeedTenant[] } | { reason: string }> {
  let pg: Client;
  try {
    pg = await ownerClient(c);
  } catch (error) {
    return { reason: `PostgreSQL database ${c.database}: ${(error as Error).message}` };
  }
  const ch = clickhouseClient(c.clickhouseUrl);
  try {
    const pgMarker = await pg
      .query<{ marker: SeedMarker }>('SELECT marker FROM bench_seed')
      .then((r) => r.rows[0]?.marker)
      .catch(() => undefined);
    if (!pgMarker) return { reason: `no seed marker in PostgreSQL ${c.database}` };
    const db = identifier(c.database);
    const chMarker = await chRows<{ marker: string }>(ch, `SELECT marker FROM ${db}.bench_seed`)
      .then((rows) => (rows[0] ? (JSON.parse(rows[0].marker) as SeedMarker) : undefined))
      .catch(() => undefined);
    if (!chMarker) return { reason: `no seed marker in ClickHouse ${c.database}` };
    if (chMarker.seedId !== pgMarker.seedId)
      return { reason: 'the two stores hold different seedings' };
    // Field by field: jsonb keeps its own key order.
    const keys = Object.keys(params) as (keyof SeedParams)[];
    if (keys.some((key) => pgMarker.params[key] !== params[key]))
      return {
        reason: `seeded with ${JSON.stringify(pgMarker.params)}, asked for ${JSON.stringify(params)}`,
      };
    if (pgMarker.generator !== GENERATOR_VERSION)
      return { reason: `generator version ${pgMarker.generator}, now ${GENERATOR_VERSION}` };
    if (pgMarker.fingerprint !== schemaFingerprint() && onlyClickHouseStepsAdded(pgMarker)) {
      await upgradeClickHouse(c, pgMarker, log);
      pgMarker.fingerprint = schemaFingerprint();
      await pg.query('UPDATE bench_seed SET marker = $1', [JSON.stringify(pgMarker)]);
    }
    if (pgMarker.fingerprint !== schemaFingerprint())
      return {
        reason:
          'the schema changed since seeding (new migration or ClickHouse step): rollups and ' +
          'indexes must see the data loaded under them',
      };
    const ageDays = (Date.now() / 1000 - pgMarker.anchor) / 86_400;
    if (ageDays > 30)
      return { reason: `the data ends ${ageDays.toFixed(0)} days ago, past the starter retention` };
    const [{ n }] = await chRows<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.events`);
    if (Number(n) !== params.events)
      return { reason: `ClickHouse holds ${n} events, not ${params.events}` };
    const tenants = await pg.query<SeedTenant>(
      `SELECT idx, tenant_id AS id, slug, tier, events::int AS events, users::int AS users
         FROM bench_seed_tenants ORDER BY idx`,
    );
    return { marker: pgMarker, tenants: tenants.rows };
  } finally {
    await pg.end();
    await ch.close();
  }
}

/**
 * Whether the schema changed since seeding by ClickHouse steps appended, and nothing else: the
 * data set is then brought forward as a server of the app would be (the store applies the steps
 * at start-up, the compaction job merges the closed weeks), instead of being loaded again.
 */
function onlyClickHouseStepsAdded(marker: SeedMarker): boolean {
  const split = (fingerprint: string) => {
    const entries = fingerprint.split(',');
    const clickhouse = entries.filter((entry) => /^ch\d+$/.test(entry));
    return { postgres: entries.filter((e) => !clickhouse.includes(e)).join(','), clickhouse };
  };
  const [then, now] = [split(marker.fingerprint), split(schemaFingerprint())];
  return (
    then.postgres === now.postgres &&
    then.clickhouse.length < now.clickhouse.length &&
    then.clickhouse.every((step, i) => now.clickhouse[i] === step)
  );
}

/** Applies the new ClickHouse steps to the seeded data, merges every week, rewrites the marker. */
async function upgradeClickHouse(
  c: Connections,
  marker: SeedMarker,
  log: (line: string) => void,
): Promise<void> {
  const db = identifier(c.database);
  const store = new ClickHouseEventStore(c.clickhouseUrl, c.database);
  const ch = clickhouseClient(c.clickhouseUrl);
  try {
    const [{ n }] = await chRows<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.events`);
    let started = Date.now();
    log(`seed: applying the new ClickHouse schema steps to ${n} events in place`);
    await store.prepare();
    log(`seed: ClickHouse schema steps applied in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    started = Date.now();
    await ch.command({ query: `OPTIMIZE TABLE ${db}.events FINAL` });
    log(
      `seed: OPTIMIZE TABLE events FINAL (one part a week) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    marker.fingerprint = schemaFingerprint();
    await ch.command({ query: `DROP TABLE ${db}.bench_seed` });
    await ch.command({ query: `CREATE TABLE ${db}.bench_seed (marker String) ENGINE = TinyLog` });
    await ch.insert({
      table: `${db}.bench_seed`,
      format: 'JSONEachRow',
      values: [{ marker: JSON.stringify(marker) }],
    });
  } finally {
    await store.close();
    await ch.close();
  }
}

export interface SeedHooks {
  log: (line: string) => void;
  /**
   * Provisions the tenants through the app (booted on the fresh database) and returns their
   * ids, in the order given.
   */
  provision: (tenants: Omit<SeedTenant, 'id'>[]) => Promise<string[]>;
  /** Brings the PostgreSQL daily rollups up to date, as the app's refresh job would. */
  rollUp: () => Promise<void>;
}

/** Drops and reloads both stores, then verifies them and writes the marker. */
export async function seed(
  c: Connections,
  params: SeedParams,
  hooks: SeedHooks,
): Promise<{ marker: SeedMarker; tenants: SeedTenant[] }> {
  const { log } = hooks;
  const started = Date.now();
  const db = identifier(c.database);
  log(`seed: recreating PostgreSQL ${c.database} (migrations) and ClickHouse ${c.database}`);
  await recreateDatabase(
    {
      host: c.pg.host,
      port: c.pg.port,
      user: c.pg.user,
      password: c.pg.password,
      maintenanceDatabase: c.pg.maintenance,
    },
    c.database,
  );
  const ch = clickhouseClient(c.clickhouseUrl);
  const pg = await ownerClient(c);
  try {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` });

    const sizes = tenantSizes(params);
    const planned = sizes.map((size, idx) => ({
      idx,
      slug: `bench-${String(idx).padStart(4, '0')}-${randomBytes(2).toString('hex')}`,
      tier: tierOf(idx, params.tenants),
      ...size,
    }));
    log(
      `seed: provisioning ${params.tenants} tenants through the app (Zipf s=${params.zipf}: ` +
        `largest ${sizes[0].events} events, median ${sizes[Math.floor(params.tenants / 2)].events}, ` +
        `smallest ${sizes[sizes.length - 1].events})`,
    );
    const ids = await hooks.provision(planned);
    const tenants: SeedTenant[] = planned.map((t, i) => ({ ...t, id: ids[i] }));
    const tenantsSeconds = (Date.now() - started) / 1000;

    // The plan of the data set, as a plain (not tenant-owned) table of the bench database.
    await pg.query(`CREATE TABLE bench_seed_tenants (
      idx int PRIMARY KEY, tenant_id uuid NOT NULL UNIQUE, slug text NOT NULL, tier text NOT NULL,
      events bigint NOT NULL, users bigint NOT NULL)`);
    await pg.query(
      `INSERT INTO bench_seed_tenants
       SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])`,
      [
        tenants.map((t) => t.idx),
        tenants.map((t) => t.id),
        tenants.map((t) => t.slug),
        tenants.map((t) => t.tier),
        tenants.map((t) => t.events),
        tenants.map((t) => t.users),
      ],
    );
    await ch.command({
      query: `CREATE TABLE ${db}.bench_seed_tenants (idx UInt32, tenant_id UUID, events UInt64, users UInt64) ENGINE = TinyLog`,
    });
    await ch.insert({
      table: `${db}.bench_seed_tenants`,
      format: 'JSONEachRow',
      values: tenants.map((t) => ({
        idx: t.idx,
        tenant_id: t.id,
        events: t.events,
        users: t.users,
      })),
    });

    const anchor = Math.floor(Date.now() / 86_400_000) * 86_400;
    const start = anchor - params.days * 86_400;
    const pgStarted = Date.now();
    await loadPostgres(c, params, start, log);
    const pgSeconds = (Date.now() - pgStarted) / 1000;
    const rollupsStarted = Date.now();
    await hooks.rollUp();
    log('seed (postgres): VACUUM ANALYZE (events and rollups)');
    await pg.query('VACUUM (ANALYZE)');
    const rollupsSeconds = (Date.now() - rollupsStarted) / 1000;

    const chStarted = Date.now();
    await loadClickHouse(ch, db, tenants, params, start, log);
    const chSeconds = (Date.now() - chStarted) / 1000;

    await verify(pg, ch, db, tenants, log);

    const marker: SeedMarker = {
      seedId: randomUUID(),
      params,
      generator: GENERATOR_VERSION,
      fingerprint: schemaFingerprint(),
      anchor,
      seededAt: new Date().toISOString(),
      seconds: {
        total: Math.round((Date.now() - started) / 1000),
        tenants: Math.round(tenantsSeconds),
        postgres: Math.round(pgSeconds),
        rollups: Math.round(rollupsSeconds),
        clickhouse: Math.round(chSeconds),
      },
    };
    await pg.query('CREATE TABLE bench_seed (marker jsonb NOT NULL)');
    await pg.query('INSERT INTO bench_seed VALUES ($1)', [JSON.stringify(marker)]);
    await ch.command({ query: `CREATE TABLE ${db}.bench_seed (marker String) ENGINE = TinyLog` });
    await ch.insert({
      table: `${db}.bench_seed`,
      format: 'JSONEachRow',
      values: [{ marker: JSON.stringify(marker) }],
    });
    log(
      `seed: done in ${marker.seconds.total}s (tenants ${marker.seconds.tenants}s, ` +
        `PostgreSQL ${marker.seconds.postgres}s, its rollups and VACUUM ANALYZE ${marker.seconds.rollups}s, ` +
        `ClickHouse ${marker.seconds.clickhouse}s)`,
    );
    return { marker, tenants };
  } finally {
    await pg.end();
    await ch.close();
  }
}

/** Day by day, two connections at a time (the machine has two cores). */
async function loadPostgres(
  c: Connections,
  params: SeedParams,
  start: number,
  log: (line: string) => void,
): Promise<void> {
  const pg = await ownerClient(c);
  try {
    const first = new Date(start * 1000).toISOString().slice(0, 10);
    const last = new Date((start + params.days * 86_400) * 1000).toISOString().slice(0, 10);
    await pg.query('SELECT ensure_event_partitions($1::date, $2::date)', [first, last]);
  } finally {
    await pg.end();
  }
  const started = Date.now();
  let next = 0;
  let done = 0;
  let lastLog = 0;
  const worker = async () => {
    const client = await ownerClient(c);
    try {
      while (next < params.days) {
        const day = next++;
        await client.query(postgresDaySql(day, params.days, start));
        done++;
        if (Date.now() - lastLog > 10_000 || done === params.days) {
          lastLog = Date.now();
          const seconds = (Date.now() - started) / 1000;
          const events = Math.round((params.events * done) / params.days);
          log(
            `seed (postgres): ${done}/${params.days} days, ~${events} events in ${seconds.toFixed(0)}s ` +
              `(${(events / seconds).toFixed(0)} events/s)`,
          );
        }
      }
    } finally {
      await client.end();
    }
  };
  await Promise.all([worker(), worker()]);
}

/** INSERT ... SELECT over groups of tenants of about a million events, then one part a month. */
async function loadClickHouse(
  ch: ClickHouseClient,
  db: string,
  tenants: SeedTenant[],
  params: SeedParams,
  start: number,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  let loaded = 0;
  for (let lo = 0; lo < tenants.length;) {
    let hi = lo;
    let events = 0;
    while (hi < tenants.length && (hi === lo || events + tenants[hi].events <= 1_000_000))
      events += tenants[hi++].events;
    await ch.command({ query: clickhouseInsertSql(db, lo, hi, params.days, start) });
    loaded += events;
    const seconds = (Date.now() - started) / 1000;
    log(
      `seed (clickhouse): ${loaded}/${params.events} events (tenants ${lo}-${hi - 1}) in ${seconds.toFixed(0)}s ` +
        `(${(loaded / seconds).toFixed(0)} events/s)`,
    );
    lo = hi;
  }
  // The materialized view filled events_daily on the way in. Merge both, as the compaction job
  // would have by now: events to one part a week (counted without FINAL, but for the week in
  // progress, which reads always fold), the rollup to one part a month.
  for (const table of ['events', 'events_daily']) {
    log(`seed (clickhouse): OPTIMIZE TABLE ${table} FINAL (one part per partition)`);
    await ch.command({ query: `OPTIMIZE TABLE ${db}.${table} FINAL` });
  }
}

/** Per tenant: the planned count, PostgreSQL's and ClickHouse's counts and timestamp sums agree. */
async function verify(
  pg: Client,
  ch: ClickHouseClient,
  db: string,
  tenants: SeedTenant[],
  log: (line: string) => void,
): Promise<void> {
  log('seed: verifying both stores, tenant by tenant');
  await pg.query(
    'CREATE TEMP TABLE bench_counts (tenant_id uuid, events bigint, seconds_sum numeric)',
  );
  await pg.query(`DO $verify$
DECLARE r record;
BEGIN
  FOR r IN SELECT tenant_id FROM bench_seed_tenants LOOP
    PERFORM set_config('app.tenant_id', r.tenant_id::text, true);
    INSERT INTO bench_counts
    SELECT r.tenant_id, count(*), coalesce(sum(extract(epoch FROM "timestamp")::bigint), 0)
      FROM events WHERE tenant_id = r.tenant_id;
  END LOOP;
END
$verify$`);
  const pgCounts = new Map(
    (
      await pg.query<{ tenant_id: string; events: string; seconds_sum: string }>(
        'SELECT tenant_id, events, seconds_sum::text FROM bench_counts',
      )
    ).rows.map((r) => [r.tenant_id, `${r.events}/${r.seconds_sum}`]),
  );
  const chCounts = new Map(
    (
      await chRows<{ tenant_id: string; events: string; seconds_sum: string }>(
        ch,
        `SELECT toString(tenant_id) AS tenant_id, toString(count()) AS events,
                toString(sum(toUInt64(timestamp))) AS seconds_sum
           FROM ${db}.events GROUP BY tenant_id`,
      )
    ).map((r) => [r.tenant_id, `${r.events}/${r.seconds_sum}`]),
  );
  const wrong = tenants.filter((t) => {
    const p = pgCounts.get(t.id);
    return !p || p !== chCounts.get(t.id) || !p.startsWith(`${t.events}/`);
  });
  if (wrong.length > 0) {
    const t = wrong[0];
    throw new Error(
      `seed check failed for ${wrong.length} tenants; e.g. ${t.slug}: planned ${t.events}, ` +
        `PostgreSQL ${pgCounts.get(t.id)}, ClickHouse ${chCounts.get(t.id)} (events/timestamp sum)`,
    );
  }
  log(`seed: both stores hold the same ${tenants.length} tenants' events (counts and timestamps)`);
}

export interface ServerFacts {
  postgres: string;
  postgresSettings: Record<string, string>;
  clickhouse: string;
}

/** Versions and the PostgreSQL settings that shape these queries, for the record. */
export async function serverFacts(c: Connections): Promise<ServerFacts> {
  const pg = await ownerClient(c);
  const ch = clickhouseClient(c.clickhouseUrl);
  try {
    const settings = await pg.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings
        WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather',
                       'effective_cache_size', 'random_page_cost')`,
    );
    const [{ v }] = await chRows<{ v: string }>(ch, 'SELECT version() AS v');
    return {
      postgres: (await pg.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
        .rows[0].v,
      postgresSettings: Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])),
      clickhouse: v,
    };
  } finally {
    await pg.end();
    await ch.close();
  }
}

export interface DiskUsage {
  postgresDatabaseBytes: number;
  postgresEventsBytes: number;
  postgresEventsIndexBytes: number;
  clickhouseEventsBytes: number;
  clickhouseEventsUncompressedBytes: number;
}

export async function diskUsage(c: Connections): Promise<DiskUsage> {
  const pg = await ownerClient(c);
  const ch = clickhouseClient(c.clickhouseUrl);
  try {
    const {
      rows: [sizes],
    } = await pg.query<{ db: string; total: string; indexes: string }>(
      `SELECT pg_database_size(current_database()) AS db,
              sum(pg_total_relation_size(relid)) AS total,
              sum(pg_indexes_size(relid)) AS indexes
         FROM pg_partition_tree('events')`,
    );
    const [parts] = await chRows<{ bytes: string; raw: string }>(
      ch,
      `SELECT toString(sum(bytes_on_disk)) AS bytes, toString(sum(data_uncompressed_bytes)) AS raw
         FROM system.parts
        WHERE database = '${c.database}' AND table = 'events' AND active`,
    );
    return {
      postgresDatabaseBytes: Number(sizes.db),
      postgresEventsBytes: Number(sizes.total),
      postgresEventsIndexBytes: Number(sizes.indexes),
      clickhouseEventsBytes: Number(parts?.bytes ?? 0),
      clickhouseEventsUncompressedBytes: Number(parts?.raw ?? 0),
    };
  } finally {
    await pg.end();
    await ch.close();
  }
}
