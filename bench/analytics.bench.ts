import 'reflect-metadata';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { PostgresRollupRefresher } from '../src/analytics/rollups/postgres-rollup.refresher';
import { ApiKeysService } from '../src/auth/api-keys/api-keys.service';
import { TenantsService } from '../src/tenancy/tenants.service';
import { REPO_ROOT, readStackEnv } from '../src/config/stack-env';
import { TenantContext } from '../src/tenancy/scope/tenant.context';
import type { Permission } from '../src/auth/permissions';
import {
  type Connections,
  diskUsage,
  type DiskUsage,
  findSeed,
  seed,
  type SeedMarker,
  type SeedParams,
  type SeedTenant,
  serverFacts,
  type ServerFacts,
} from './analytics-seed';
import { percentile, summariseLatency } from './latency';

/**
 * The analytics bench (`npm run bench:analytics`, also part of `npm run bench`): p50/p95/p99
 * latency of each analytics route over a seeded data set (analytics-seed.ts: 10M events over
 * 1,000 tenants of Zipf-skewed sizes by default), on ClickHouse and on PostgreSQL, for a 30-day
 * range of the largest tenant (the target case) and of the median one.
 */
export interface AnalyticsBenchOptions extends SeedParams {
  stores: Store[];
  requests: number;
  warmup: number;
  /** Per route, tenant and store: stop early past this many seconds (0: no limit). */
  maxSeconds: number;
  rangeDays: number;
  database?: string;
  reseed: boolean;
  seedOnly: boolean;
}

type Store = 'clickhouse' | 'postgres';
const STORES: Store[] = ['clickhouse', 'postgres'];
/** Issue 5: p99 under 100 ms on ClickHouse and under 300 ms on PostgreSQL, largest tenant. */
export const TARGET_P99_MS: Record<Store, number> = { clickhouse: 100, postgres: 300 };

export const DEFAULT_OPTIONS: AnalyticsBenchOptions = {
  events: 10_000_000,
  tenants: 1_000,
  zipf: 1,
  days: 60,
  stores: STORES,
  requests: 200,
  warmup: 10,
  maxSeconds: 120,
  rangeDays: 30,
  reseed: false,
  seedOnly: false,
};

const USAGE = `npm run bench:analytics -- [options]
  --events N        events in the data set (default 10000000)
  --tenants N       tenants (default 1000)
  --zipf S          Zipf exponent of tenant sizes (default 1)
  --days N          days of data before the seeding day (default 60)
  --store S         clickhouse, postgres or both (default both)
  --requests N      measured requests per route and tenant (default 200)
  --warmup N        unmeasured requests first (default 10)
  --max-seconds N   stop a route early after N seconds, 0 for never (default 120)
  --range-days N    the queried range (default 30)
  --database NAME   PostgreSQL and ClickHouse database (default <DATABASE_NAME>_analytics_bench)
  --reseed          drop and reload the data set even when it is in place
  --seed-only       load (or check) the data set, measure nothing`;

export function parseOptions(argv: string[]): AnalyticsBenchOptions {
  const options = { ...DEFAULT_OPTIONS };
  const number = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min)
      throw new Error(`--${name} needs a number >= ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--events':
        options.events = Math.round(number('events', value(), 1));
        break;
      case '--tenants':
        options.tenants = Math.round(number('tenants', value(), 1));
        break;
      case '--zipf':
        options.zipf = number('zipf', value(), 0);
        break;
      case '--days':
        options.days = Math.round(number('days', value(), 1));
        break;
      case '--store': {
        const store = value();
        if (store === 'both') options.stores = STORES;
        else if (store === 'clickhouse' || store === 'postgres') options.stores = [store];
        else throw new Error(`--store is clickhouse, postgres or both\n${USAGE}`);
        break;
      }
      case '--requests':
        options.requests = Math.round(number('requests', value(), 1));
        break;
      case '--warmup':
        options.warmup = Math.round(number('warmup', value(), 0));
        break;
      case '--max-seconds':
        options.maxSeconds = number('max-seconds', value(), 0);
        break;
      case '--range-days':
        options.rangeDays = number('range-days', value(), 1);
        break;
      case '--database':
        options.database = value();
        break;
      case '--reseed':
        options.reseed = true;
        break;
      case '--seed-only':
        options.seedOnly = true;
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (options.rangeDays > options.days)
    throw new Error('--range-days cannot exceed --days: the range would run past the data');
  return options;
}

interface RouteSpec {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  params: Record<string, string>;
  body?: Record<string, unknown>;
  /** Being built: a 404 reports "not available" instead of failing the bench. */
  optional?: boolean;
}

/** The routes measured, each over the same range. */
export const ROUTES: RouteSpec[] = [
  { name: 'summary', method: 'GET', path: '/v1/analytics/summary', params: {} },
  {
    name: 'timeseries events/day',
    method: 'GET',
    path: '/v1/analytics/timeseries',
    params: { metric: 'events', interval: 'day' },
  },
  {
    name: 'timeseries users/hour',
    method: 'GET',
    path: '/v1/analytics/timeseries',
    params: { metric: 'users', interval: 'hour' },
  },
  {
    name: 'breakdown event_type',
    method: 'GET',
    path: '/v1/analytics/breakdown',
    params: { dimension: 'event_type', limit: '10' },
  },
  {
    name: 'breakdown property.country',
    method: 'GET',
    path: '/v1/analytics/breakdown',
    params: { dimension: 'property.country', limit: '10' },
  },
  {
    name: 'funnel 3 steps, 1-day window',
    method: 'POST',
    path: '/v1/analytics/funnel',
    params: {},
    body: { steps: ['page_view', 'add_to_cart', 'purchase'], window_seconds: 86_400 },
    optional: true,
  },
  {
    name: 'retention signup→page_view, day',
    method: 'GET',
    path: '/v1/analytics/retention',
    params: { cohort_event: 'signup', return_event: 'page_view', interval: 'day' },
    optional: true,
  },
];

export interface RouteFigures {
  route: string;
  tenant: 'largest' | 'median';
  store: Store;
  status: 'ok' | 'not available' | 'failed';
  error?: string;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  /** Sequential requests per second on one connection: 1000 / mean. */
  requestsPerSecond: number;
  /** For the funnel: whether from/to went in the query string or the body. */
  rangeIn?: 'query' | 'body';
  /** Ended by --max-seconds before all requests were sent. */
  stoppedEarly?: boolean;
  /** The first answer, cut short: to see that the route computed something. */
  sample?: string;
  /** SHA-256 of the whole first answer (the same request on both stores: they should agree). */
  sampleHash?: string;
}

export interface AnalyticsBenchResult {
  params: SeedParams;
  database: string;
  seed: SeedMarker;
  seededNow: boolean;
  tenants: { largest: TenantFacts; median: TenantFacts };
  rangeDays: number;
  disk: DiskUsage;
  servers: ServerFacts;
  loadAverage: { before: number[]; after: number[] };
  routes: RouteFigures[];
}

interface TenantFacts {
  slug: string;
  tier: string;
  events: number;
  eventsInRange: number;
}

@Module({})
class AnalyticsBenchModule {}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export function send(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: body
          ? {
              ...headers,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            }
          : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchAnalytics(
  log: (line: string) => void,
  options: AnalyticsBenchOptions = DEFAULT_OPTIONS,
): Promise<AnalyticsBenchResult> {
  const stack = readStackEnv();
  const base = { ...stack, ...process.env } as Record<string, string>;
  if (!base.DATABASE_HOST || !base.CLICKHOUSE_URL)
    throw new Error(
      'the analytics bench needs PostgreSQL and ClickHouse running (TENANTRY_STACK_DIR)',
    );
  const database = options.database ?? `${stack.DATABASE_NAME ?? 'tenantry'}_analytics_bench`;
  if (!/^[a-z_][a-z0-9_]*_bench$/.test(database))
    throw new Error(`the analytics bench database must be named *_bench, not ${database}`);
  const connections: Connections = {
    pg: {
      host: base.DATABASE_HOST,
      port: Number(base.DATABASE_PORT),
      user: base.DATABASE_OWNER_USER,
      password: base.DATABASE_OWNER_PASSWORD,
      maintenance: stack.DATABASE_NAME ?? 'tenantry',
    },
    clickhouseUrl: base.CLICKHOUSE_URL,
    database,
  };
  const params: SeedParams = {
    events: options.events,
    tenants: options.tenants,
    zipf: options.zipf,
    days: options.days,
  };
  const adminPassword = randomBytes(18).toString('base64url');
  const env: Record<string, string> = {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    CLICKHOUSE_DATABASE: database,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Checked on every query but never reached: the bench drives one tenant far past its plan.
    TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
    // The store is measured, not the result cache (bench/analytics-fairness.bench.ts does that).
    ANALYTICS_CACHE_SECONDS: '0',
    // Used only when the database is new (seeding): the admin is created at start-up.
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    DATABASE_POOL_SIZE: '10',
    INGESTION_CONSUMER: 'off',
    KAFKA_EVENTS_TOPIC: 'bench.analytics',
    KAFKA_CONSUMER_GROUP: 'bench.analytics',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  };

  const found = options.reseed
    ? { reason: '--reseed' }
    : await findSeed(connections, params, log).catch((error: Error) => ({ reason: error.message }));
  let seeded: { marker: SeedMarker; tenants: SeedTenant[] };
  const seededNow = 'reason' in found;
  if ('reason' in found) {
    log(`analytics: seeding ${database} (${found.reason}); this takes minutes`);
    seeded = await seed(connections, params, {
      log: (line) => log(`analytics ${line}`),
      rollUp: () => rollUp({ ...env, EVENT_STORE: 'postgres' }, log),
      provision: (tenants) =>
        provision({ ...env, EVENT_STORE: 'clickhouse' }, adminPassword, tenants, log),
    });
  } else {
    seeded = found;
    log(
      `analytics: reusing the data set in ${database} (seeded ${found.marker.seededAt} in ${found.marker.seconds.total}s)`,
    );
  }
  const disk = await diskUsage(connections);
  const { marker, tenants } = seeded;
  const largest = tenants[0];
  const median = tenants[Math.floor(tenants.length / 2)];
  const inRange = (t: SeedTenant) => Math.round((t.events * options.rangeDays) / params.days);
  const facts = (t: SeedTenant): TenantFacts => ({
    slug: t.slug,
    tier: t.tier,
    events: Number(t.events),
    eventsInRange: inRange(t),
  });
  const result: AnalyticsBenchResult = {
    params,
    database,
    seed: marker,
    seededNow,
    tenants: { largest: facts(largest), median: facts(median) },
    rangeDays: options.rangeDays,
    disk,
    servers: await serverFacts(connections),
    loadAverage: { before: loadavg(), after: [] },
    routes: [],
  };
  if (options.seedOnly) {
    result.loadAverage.after = loadavg();
    return result;
  }

  for (const store of options.stores) {
    const { app, url } = await startApp({ ...env, EVENT_STORE: store });
    try {
      // Funnels and retention come with growth and enterprise: a starter median tenant is
      // granted them by an override, so every route is measured on both tenants.
      for (const tenant of [largest, median]) {
        if (tenant.tier === 'starter') {
          await app
            .get(TenantsService)
            .setPlanOverrides(tenant.id, { features: ['funnels_retention'] });
        }
      }
      const keys = {
        largest: await createKey(app, largest.id),
        median: await createKey(app, median.id),
      };
      for (const route of ROUTES) {
        for (const which of ['largest', 'median'] as const) {
          log(`analytics (${store}): ${route.name}, ${which} tenant`);
          const figures = await measureRoute(url, route, keys[which], marker.anchor, options);
          result.routes.push({ ...figures, tenant: which, store });
          if (figures.status !== 'ok') log(`  ${figures.status}: ${figures.error ?? ''}`);
        }
      }
    } finally {
      await app.close();
    }
  }
  result.loadAverage.after = loadavg();
  return result;
}

export async function startApp(
  env: Record<string, string>,
): Promise<{ app: INestApplication; url: string }> {
  Object.assign(process.env, env);
  const root: DynamicModule = {
    module: AnalyticsBenchModule,
    imports: [await AppModule.forRoot()],
  };
  const app = await NestFactory.create<NestExpressApplication>(root, {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** An analytics:read key (or `scopes`) for the tenant, made by the app's own service (no admin login needed). */
export async function createKey(
  app: INestApplication,
  tenantId: string,
  scopes: Permission[] = ['analytics:read'],
): Promise<string> {
  const created = await app
    .get(TenantContext)
    .runInTenant(
      tenantId,
      () =>
        app
          .get(ApiKeysService)
          .create(
            { name: `analytics bench ${new Date().toISOString()}`, scopes },
            { kind: 'platform_admin', subject: 'analytics-bench' },
          ),
      { type: 'platform_admin', id: 'analytics-bench', ip: null, userAgent: 'analytics bench' },
    );
  return created.key;
}

/**
 * The app's own refresher over every stale (tenant, day) the load marked, until none is left:
 * the state the repeatable refresh job keeps a live installation in.
 */
export async function rollUp(
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  const { app } = await startApp(env);
  try {
    const refresher = app.get(PostgresRollupRefresher);
    const started = Date.now();
    let days = 0;
    for (;;) {
      const run = await refresher.refreshStaleDays();
      days += run.days;
      log(
        `analytics seed (postgres): rolled up ${days} tenant-days in ${((Date.now() - started) / 1000).toFixed(0)}s`,
      );
      if (run.days === 0 || !run.remaining) break;
    }
  } finally {
    await app.close();
  }
}

/** The tenants, through POST /admin/tenants of the app booted on the fresh database. */
export async function provision(
  env: Record<string, string>,
  adminPassword: string,
  tenants: { slug: string; tier: string }[],
  log: (line: string) => void,
): Promise<string[]> {
  const { app, url } = await startApp(env);
  try {
    const login = await fetch(`${url}/auth/admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: env.PLATFORM_ADMIN_EMAIL, password: adminPassword }),
    });
    const { access_token: token } = (await login.json()) as { access_token?: string };
    if (!token) throw new Error(`admin login failed (${login.status})`);
    const ids: string[] = new Array<string>(tenants.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < tenants.length) {
        const i = next++;
        const t = tenants[i];
        const response = await fetch(`${url}/admin/tenants`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name: `Bench ${t.slug}`,
            slug: t.slug,
            tier: t.tier,
            owner_email: `owner@${t.slug}.example`,
          }),
        });
        const body = (await response.json()) as { id?: string };
        if (response.status !== 201 || !body.id)
          throw new Error(`provisioning ${t.slug}: ${response.status} ${JSON.stringify(body)}`);
        ids[i] = body.id;
        if (++done % 250 === 0) log(`analytics seed: ${done}/${tenants.length} tenants`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return ids;
  } finally {
    await app.close();
  }
}

/**
 * N sequential requests after a warm-up, each over [to - rangeDays, to) where `to` steps back a
 * few seconds from the end of the data per request, so no answer can come from a cache.
 */
export async function measureRoute(
  url: string,
  route: RouteSpec,
  key: string,
  anchor: number,
  options: AnalyticsBenchOptions,
): Promise<Omit<RouteFigures, 'tenant' | 'store'>> {
  const headers = { Authorization: `Bearer ${key}` };
  const empty = { requests: 0, p50: 0, p95: 0, p99: 0, mean: 0, max: 0, requestsPerSecond: 0 };
  let rangeIn: 'query' | 'body' = 'query';
  const call = (i: number) => {
    const to = new Date((anchor - 60 - (i % 100) * 3) * 1000);
    const from = new Date(to.getTime() - options.rangeDays * 86_400_000);
    const range = { from: from.toISOString(), to: to.toISOString() };
    const query = new URLSearchParams({
      ...route.params,
      ...(rangeIn === 'query' ? range : {}),
    }).toString();
    const body = route.body
      ? JSON.stringify({ ...route.body, ...(rangeIn === 'body' ? range : {}) })
      : undefined;
    return send(`${url}${route.path}?${query}`, route.method, headers, body);
  };

  // The first call tells whether the route exists and how it wants its range.
  let first = await call(0);
  if (first.status === 404 && /Cannot (GET|POST)/.test(first.text)) {
    return {
      route: route.name,
      status: 'not available',
      error: `${route.method} ${route.path} answered 404 (not built yet)`,
      ...empty,
    };
  }
  if (first.status === 400 && route.body) {
    // POST routes may take from/to in the body rather than the query string.
    rangeIn = 'body';
    const retry = await call(0);
    if (retry.status === 200) first = retry;
    else rangeIn = 'query';
  }
  if (first.status !== 200) {
    return {
      route: route.name,
      status: 'failed',
      error: `${route.method} ${route.path} answered ${first.status}: ${first.text.slice(0, 300)}`,
      ...empty,
    };
  }
  const sample = first.text.slice(0, 600);
  const sampleHash = createHash('sha256').update(first.text).digest('hex');
  for (let i = 1; i < options.warmup; i++) await call(i);

  const samples: number[] = [];
  const started = Date.now();
  let stoppedEarly = false;
  for (let i = 0; i < options.requests; i++) {
    const t0 = process.hrtime.bigint();
    const answer = await call(options.warmup + i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (answer.status !== 200) {
      return {
        route: route.name,
        status: 'failed',
        error: `request ${i + 1} answered ${answer.status}: ${answer.text.slice(0, 300)}`,
        ...empty,
      };
    }
    if (options.maxSeconds > 0 && Date.now() - started > options.maxSeconds * 1000) {
      stoppedEarly = i + 1 < options.requests;
      break;
    }
  }
  const { requests, p50, p99, mean, max } = summariseLatency(samples);
  return {
    route: route.name,
    status: 'ok',
    requests,
    p50,
    p95: percentile(
      [...samples].sort((a, b) => a - b),
      95,
    ),
    p99,
    mean,
    max,
    requestsPerSecond: 1000 / mean,
    ...(route.body ? { rangeIn } : {}),
    ...(stoppedEarly ? { stoppedEarly } : {}),
    sample,
    sampleHash,
  };
}

const ms = (value: number) => value.toFixed(1).padStart(8);
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** The tables `npm run bench` prints. */
export function printAnalytics(result: AnalyticsBenchResult): void {
  const { params, tenants } = result;
  console.log(
    `\nAnalytics routes: ${params.events.toLocaleString('en-US')} events over ${params.tenants} tenants ` +
      `(Zipf s=${params.zipf}), ${params.days} days; ${result.rangeDays}-day range; ` +
      'sequential requests on one keep-alive connection (API key)',
  );
  for (const which of ['largest', 'median'] as const) {
    const t = tenants[which];
    console.log(
      `${which.padEnd(8)} tenant ${t.slug} (${t.tier}): ${t.events.toLocaleString('en-US')} events, ` +
        `~${t.eventsInRange.toLocaleString('en-US')} in the range`,
    );
  }
  const s = result.seed.seconds;
  console.log(
    `data set ${result.database}: ${result.seededNow ? 'seeded now' : `seeded ${result.seed.seededAt}`} in ${s.total}s ` +
      `(tenants ${s.tenants}s, PostgreSQL ${s.postgres}s, its rollups and VACUUM ANALYZE ${s.rollups ?? '?'}s, ` +
      `ClickHouse ${s.clickhouse}s incl. its materialized view and OPTIMIZE)`,
  );
  const d = result.disk;
  console.log(
    `disk: PostgreSQL events ${gb(d.postgresEventsBytes)} (indexes ${gb(d.postgresEventsIndexBytes)}), ` +
      `database ${gb(d.postgresDatabaseBytes)}; ClickHouse events ${gb(d.clickhouseEventsBytes)} ` +
      `(${gb(d.clickhouseEventsUncompressedBytes)} uncompressed)`,
  );
  const v = result.servers;
  console.log(
    `servers: PostgreSQL ${v.postgres} (${Object.entries(v.postgresSettings)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}); ClickHouse ${v.clickhouse}`,
  );
  console.log(
    `load average before/after: ${result.loadAverage.before.map((x) => x.toFixed(2)).join(' ')} / ` +
      `${result.loadAverage.after.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${'route'.padEnd(34)} ${'tenant'.padEnd(8)} ${'store'.padEnd(10)} ${'n'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'mean ms'.padStart(8)} ${'req/s'.padStart(7)} ${'PG/CH p50'.padStart(9)} ${'PG/CH p99'.padStart(9)}  target`,
  );
  const find = (route: string, tenant: string, store: Store) =>
    result.routes.find((r) => r.route === route && r.tenant === tenant && r.store === store);
  for (const route of ROUTES) {
    for (const tenant of ['largest', 'median'] as const) {
      for (const store of STORES) {
        const r = find(route.name, tenant, store);
        if (!r) continue;
        const label = `${route.name.padEnd(34)} ${tenant.padEnd(8)} ${store.padEnd(10)}`;
        if (r.status !== 'ok') {
          console.log(`${label} ${r.status}${r.status === 'failed' ? `: ${r.error}` : ''}`);
          continue;
        }
        const ch = find(route.name, tenant, 'clickhouse');
        const ratio = (key: 'p50' | 'p99') =>
          store === 'postgres' && ch?.status === 'ok' ? `${(r[key] / ch[key]).toFixed(1)}x` : '';
        const verdict =
          tenant === 'largest'
            ? `${r.p99 < TARGET_P99_MS[store] ? 'PASS' : 'MISS'} (p99 < ${TARGET_P99_MS[store]} ms)`
            : '';
        console.log(
          `${label} ${String(r.requests).padStart(4)} ${ms(r.p50)} ${ms(r.p95)} ${ms(r.p99)} ${ms(r.mean)} ${r.requestsPerSecond.toFixed(1).padStart(7)} ${ratio('p50').padStart(9)} ${ratio('p99').padStart(9)}  ${verdict}`,
        );
      }
    }
  }
  const short = result.routes.filter((r) => r.stoppedEarly);
  if (short.length > 0)
    console.log(
      `(${short.length} rows stopped at the per-route time limit, --max-seconds, before all requests)`,
    );
  const differ = ROUTES.flatMap((route) =>
    (['largest', 'median'] as const)
      .filter((tenant) => {
        const [ch, pg] = STORES.map((store) => find(route.name, tenant, store)?.sampleHash);
        return ch && pg && ch !== pg;
      })
      .map((tenant) => `${route.name} (${tenant})`),
  );
  const compared = result.routes.filter((r) => r.store === 'postgres' && r.sampleHash).length;
  if (compared > 0 && result.routes.some((r) => r.store === 'clickhouse' && r.sampleHash))
    console.log(
      differ.length === 0
        ? 'the first answer of every route was the same on both stores'
        : `the stores answered differently: ${differ.join(', ')}`,
    );
  if (result.routes.some((r) => r.status === 'ok' && r.requests < 100))
    console.log('(with fewer than 100 requests, p99 is the slowest one)');
}

/** Fails the run when a route that exists answered an error (a 404 of a route being built is fine). */
export function analyticsFailures(result: AnalyticsBenchResult): string[] {
  return result.routes
    .filter((r) => r.status === 'failed')
    .map((r) => `${r.route} (${r.tenant}, ${r.store}): ${r.error}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const started = Date.now();
  const result = await benchAnalytics(log, options);
  printAnalytics(result);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `analytics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
        analytics: result,
      },
      null,
      2,
    ),
  );
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s; results in ${file}`);
  const failures = analyticsFailures(result);
  if (failures.length > 0) throw new Error(`analytics routes failed:\n  ${failures.join('\n  ')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
