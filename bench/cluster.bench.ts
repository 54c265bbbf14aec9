import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { EventFilter } from '../src/analytics/query/analytics-query';
import { ClickHouseAnalyticsStore } from '../src/analytics/stores/clickhouse-analytics.store';
import { REPO_ROOT, readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';
import type { EventRow } from '../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../src/ingestion/store/clickhouse-event.store';
import { clickhouseClusterOf } from '../src/ingestion/store/clickhouse/clickhouse-cluster-settings';
import { BenchClickHouseCluster } from './cluster-stack';
import { benchPipeline, type PipelineFigures } from './ingestion.bench';
import { type LatencySummary, summariseLatency } from './latency';

/**
 * `npm run bench:cluster` (issue 18, item 4): the single ClickHouse server of the shared stack
 * beside a two-shard cluster started for the run (cluster-stack.ts), in one run on one machine:
 *
 * - ingestion end to end (HTTP → Kafka → consumer → store; ingestion.bench.ts's pipeline),
 *   BENCH_CLUSTER_INGEST_EVENTS (100,000) per run, single and cluster alternated twice, since
 *   one run here differs from the next by up to ±20%;
 * - analytics latency per route, at the store (ClickHouseAnalyticsStore, as the routes call
 *   it, no HTTP): a generated data set of BENCH_CLUSTER_EVENTS (1,000,000) events over 100
 *   tenants of Zipf sizes and 30 days, written to both; p50/p99 of BENCH_CLUSTER_REQUESTS (40)
 *   sequential reads of the largest and the median tenant, last 30 days.
 *
 * Both "servers" of the cluster share this machine's cores with each other (and with the
 * single server, idle meanwhile): the cluster can only lose here, by the extra hop and the
 * second shard's empty read. What it buys, a second machine's CPU and disk, is not measured.
 */
const TENANTS = 100;
const DAYS = 30;
const DAY = 86_400_000;
const WARMUP = 3;

interface RouteFigures {
  route: string;
  tenant: 'largest' | 'median';
  tenantEvents: number;
  single: LatencySummary;
  cluster: LatencySummary;
}

interface ClusterBenchResult {
  measuredAt: string;
  cores: number;
  dataSet: { events: number; tenants: number; days: number; largest: number; median: number };
  ingestion: { run: number; single: PipelineFigures; cluster: PipelineFigures }[];
  analytics: RouteFigures[];
}

const log = (line: string) => process.stderr.write(`[bench:cluster] ${line}\n`);

/** Tenant sizes ∝ 1/rank (Zipf, s = 1), summing to `events`. */
function zipfSizes(events: number, tenants: number): number[] {
  const weights = Array.from({ length: tenants }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => Math.max(1, Math.round((events * w) / total)));
}

/** Deterministic pseudo-random numbers, so two runs write the same data set. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function* eventsOf(tenantId: string, count: number, now: number): Generator<EventRow> {
  const random = seeded(count);
  const types = ['page_view', 'page_view', 'page_view', 'button_click', 'signup', 'purchase'];
  const users = Math.max(10, Math.round(count / 20));
  for (let i = 0; i < count; i++) {
    const user = Math.floor(random() * users);
    yield {
      tenantId,
      eventId: randomUUID(),
      eventType: types[Math.floor(random() * types.length)],
      timestamp: new Date(Math.floor((now - random() * DAYS * DAY) / 1000) * 1000),
      userId: `user-${user}`,
      sessionId: `session-${user}-${Math.floor(random() * 4)}`,
      properties: { country: ['DE', 'US', 'JP', 'FR'][user % 4], plan: user % 3 ? 'free' : 'pro' },
      receivedAt: new Date(now),
    };
  }
}

/** Writes the data set to every store, in batches of 50,000 (every store gets the same rows). */
async function writeDataSet(stores: ClickHouseEventStore[], tenants: string[], sizes: number[]) {
  const now = Date.now();
  let batch: EventRow[] = [];
  let written = 0;
  const flush = async () => {
    for (const store of stores) await store.write(batch);
    written += batch.length;
    batch = [];
  };
  for (let t = 0; t < tenants.length; t++) {
    for (const row of eventsOf(tenants[t], sizes[t], now)) {
      batch.push(row);
      if (batch.length === 50_000) {
        await flush();
        log(`data set: ${written} events written to each store`);
      }
    }
  }
  await flush();
}

const ROUTES: [
  string,
  (store: ClickHouseAnalyticsStore, filter: EventFilter) => Promise<unknown>,
][] = [
  ['summary', (s, f) => s.summary(f)],
  ['timeseries (events per day)', (s, f) => s.timeseries(f, 'events', 'day', 'UTC')],
  ['breakdown (event type)', (s, f) => s.breakdown(f, { kind: 'event_type' }, 10)],
  ['breakdown (property)', (s, f) => s.breakdown(f, { kind: 'property', key: 'country' }, 10)],
  [
    'funnel (2 steps, 7 days)',
    (s, f) => s.funnel(f, { steps: ['signup', 'purchase'], windowSeconds: 7 * 86_400 }),
  ],
  ['retention (weekly)', (s, f) => s.retention(f, { cohortEvent: 'signup' }, 'week', 'UTC')],
];

async function time(run: () => Promise<unknown>, requests: number): Promise<LatencySummary> {
  for (let i = 0; i < WARMUP; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return summariseLatency(samples);
}

async function benchAnalytics(
  single: ClickHouseEventStore,
  cluster: ClickHouseEventStore,
  database: string,
  tenants: { id: string; events: number; label: 'largest' | 'median' }[],
): Promise<RouteFigures[]> {
  const requests = Number(process.env.BENCH_CLUSTER_REQUESTS ?? 40);
  const analytics = [single, cluster].map((store) => new ClickHouseAnalyticsStore(store, database));
  const figures: RouteFigures[] = [];
  const now = Date.now();
  for (const tenant of tenants) {
    const filter: EventFilter = {
      tenantId: tenant.id,
      from: new Date(now - DAYS * DAY),
      to: new Date(now + 1000),
      properties: [],
    };
    for (const [route, run] of ROUTES) {
      log(`analytics: ${route}, ${tenant.label} tenant (${tenant.events} events)`);
      // Single first, then the cluster: the other target idles meanwhile.
      const [onSingle, onCluster] = [
        await time(() => run(analytics[0], filter), requests),
        await time(() => run(analytics[1], filter), requests),
      ];
      figures.push({
        route,
        tenant: tenant.label,
        tenantEvents: tenant.events,
        single: onSingle,
        cluster: onCluster,
      });
    }
  }
  return figures;
}

async function benchIngestionBoth(
  stack: Record<string, string>,
  clusterEnv: Record<string, string>,
): Promise<ClusterBenchResult['ingestion']> {
  const events = Number(process.env.BENCH_CLUSTER_INGEST_EVENTS ?? 100_000);
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry';
  const database = `${prefix}_cluster_ingest_bench`;
  await recreateDatabase(
    {
      host: stack.DATABASE_HOST,
      port: Number(stack.DATABASE_PORT),
      user: stack.DATABASE_OWNER_USER,
      password: stack.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: stack.DATABASE_NAME ?? 'tenantry',
    },
    database,
  );
  const adminPassword = randomBytes(18).toString('base64url');
  const run = randomBytes(3).toString('hex');
  const common = {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    DATABASE_POOL_SIZE: '20',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    CLICKHOUSE_DATABASE: `${prefix.replace(/[^a-z0-9_]/g, '_')}_cluster_ingest`,
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
    EVENT_STORE: 'clickhouse',
  };
  const targets = {
    // Empty, not absent: the app reads process.env, which the previous run's values stay in.
    single: { CLICKHOUSE_CLUSTER: '', CLICKHOUSE_NODE_URLS: '' },
    cluster: {
      CLICKHOUSE_URL: clusterEnv.CLICKHOUSE_URL,
      CLICKHOUSE_CLUSTER: clusterEnv.CLICKHOUSE_CLUSTER,
      CLICKHOUSE_NODE_URLS: clusterEnv.CLICKHOUSE_NODE_URLS,
    },
  };
  const runs: ClusterBenchResult['ingestion'] = [];
  for (let round = 1; round <= 2; round++) {
    const figures: Partial<Record<'single' | 'cluster', PipelineFigures>> = {};
    for (const target of ['single', 'cluster'] as const) {
      figures[target] = await benchPipeline(
        (line) => log(`${target} #${round}: ${line}`),
        events,
        {
          ...common,
          ...targets[target],
          KAFKA_EVENTS_TOPIC: `bench.${run}.${target}-${round}`,
          KAFKA_CONSUMER_GROUP: `bench.${run}.${target}-${round}`,
        },
        adminPassword,
      );
    }
    runs.push({ run: round, single: figures.single!, cluster: figures.cluster! });
  }
  return runs;
}

function print(result: ClusterBenchResult): void {
  const ratio = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(2)}x`;
  const d = result.dataSet;
  console.log(
    `\nClickHouse: single server beside a 2-shard cluster (one machine, ${result.cores} cores)`,
  );
  console.log('\nIngestion end to end (HTTP → Kafka → consumer → store), events/s');
  console.log(
    `${'run'.padEnd(6)} ${'single'.padStart(9)} ${'cluster'.padStart(9)}  cluster/single`,
  );
  for (const run of result.ingestion) {
    console.log(
      `${String(run.run).padEnd(6)} ${run.single.eventsPerSecond.toFixed(0).padStart(9)} ${run.cluster.eventsPerSecond.toFixed(0).padStart(9)}  ${ratio(run.cluster.eventsPerSecond, run.single.eventsPerSecond)}` +
        `   (acceptance → queryable p99: ${run.single.latency.p99Ms.toFixed(0)} / ${run.cluster.latency.p99Ms.toFixed(0)} ms)`,
    );
  }
  console.log(
    `\nAnalytics at the store, ms (data set: ${d.events} events, ${d.tenants} tenants, ${d.days} days; largest tenant ${d.largest}, median ${d.median})`,
  );
  console.log(
    `${'route'.padEnd(30)} ${'tenant'.padEnd(8)} ${'p50 single'.padStart(10)} ${'cluster'.padStart(8)} ${'ratio'.padStart(6)}  ${'p99 single'.padStart(10)} ${'cluster'.padStart(8)} ${'ratio'.padStart(6)}`,
  );
  for (const row of result.analytics) {
    console.log(
      `${row.route.padEnd(30)} ${row.tenant.padEnd(8)} ${row.single.p50.toFixed(1).padStart(10)} ${row.cluster.p50.toFixed(1).padStart(8)} ${ratio(row.cluster.p50, row.single.p50).padStart(6)}  ${row.single.p99.toFixed(1).padStart(10)} ${row.cluster.p99.toFixed(1).padStart(8)} ${ratio(row.cluster.p99, row.single.p99).padStart(6)}`,
    );
  }
}

async function main(): Promise<void> {
  const stack = readStackEnv();
  if (!stack.CLICKHOUSE_URL || !stack.KAFKA_BROKERS)
    throw new Error('the cluster bench needs the local stack (scripts/stack.sh up)');
  const clusterStack = new BenchClickHouseCluster();
  log(`starting a two-server ClickHouse cluster in ${clusterStack.dir}`);
  const clusterEnv = await clusterStack.up();
  const prefix = (process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry').replace(
    /[^a-z0-9_]/g,
    '_',
  );
  const database = `${prefix}_cluster_bench`;
  const users = {
    writer: { username: stack.CLICKHOUSE_WRITER_USER, password: stack.CLICKHOUSE_WRITER_PASSWORD },
    reader: { username: stack.CLICKHOUSE_READER_USER, password: stack.CLICKHOUSE_READER_PASSWORD },
  };
  const single = new ClickHouseEventStore(stack.CLICKHOUSE_URL, database, users);
  const cluster = new ClickHouseEventStore(
    clusterEnv.CLICKHOUSE_URL,
    database,
    users,
    clickhouseClusterOf(clusterEnv),
  );
  try {
    // A fresh database on the single server (the cluster's is new with its folder).
    await single.allNodes[0].writerCommand(`DROP DATABASE IF EXISTS ${database}`);
    await single.prepare();
    await cluster.prepare();
    const events = Number(process.env.BENCH_CLUSTER_EVENTS ?? 1_000_000);
    const sizes = zipfSizes(events, TENANTS);
    const ids = sizes.map(() => randomUUID());
    log(`data set: ${events} events over ${TENANTS} tenants (Zipf), ${DAYS} days, to both`);
    await writeDataSet([single, cluster], ids, sizes);
    const medianIndex = Math.floor(TENANTS / 2);
    const analytics = await benchAnalytics(single, cluster, database, [
      { id: ids[0], events: sizes[0], label: 'largest' },
      { id: ids[medianIndex], events: sizes[medianIndex], label: 'median' },
    ]);
    const ingestion = await benchIngestionBoth(stack, clusterEnv);
    const result: ClusterBenchResult = {
      measuredAt: new Date().toISOString(),
      cores: cpus().length,
      dataSet: {
        events: sizes.reduce((sum, n) => sum + n, 0),
        tenants: TENANTS,
        days: DAYS,
        largest: sizes[0],
        median: sizes[medianIndex],
      },
      ingestion,
      analytics,
    };
    print(result);
    const dir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `cluster-${result.measuredAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`results in ${file}`);
    for (const leftover of [database, `${prefix}_cluster_ingest`]) {
      await single.allNodes[0].writerCommand(`DROP DATABASE IF EXISTS ${leftover}`);
    }
  } finally {
    await single.close();
    await cluster.close();
    log('stopping and purging the cluster');
    await clusterStack.down();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
