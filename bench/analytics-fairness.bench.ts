import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { REPO_ROOT, readStackEnv } from '../src/config/stack-env';
import { EntitlementsService } from '../src/billing/plans/entitlements.service';
import { TenantsService } from '../src/tenancy/tenants.service';
import { createKey, provision, rollUp, startApp } from './analytics.bench';
import { type LatencySummary, summariseLatency } from './latency';
import {
  type Connections,
  findSeed,
  seed,
  type SeedParams,
  type SeedTenant,
} from './analytics-seed';

/**
 * The query fairness bench (`npm run bench:fairness`; issue 16, "Must show"): tenant B's summary
 * latency alone, then while tenant A (the data set's largest) keeps 40 heavy funnels in flight
 * (waves of 40 at once, the next as soon as the last answers), in one run, against the goal of
 * B's p99 under 2x its solo figure; the same with A's concurrency limit lifted to 40, to show
 * what the limit buys; and the result cache: p50/p99 of a hit against a miss.
 *
 * Data: its own database (analytics-seed.ts, reused while its parameters match): 2M events over
 * 10 tenants of Zipf(2) sizes, 60 days, so A holds about 1.3M events (the analytics bench's
 * largest tenant's size) and B, the median, tens of thousands.
 */
const PARAMS: SeedParams = { events: 2_000_000, tenants: 10, zipf: 2, days: 60 };
const RANGE_DAYS = 30;
const FUNNELS_IN_FLIGHT = 40;
/** The goal: B's summary p99 under A's load below twice its solo p99. */
const GOAL_RATIO = 2;

type Store = 'clickhouse' | 'postgres';

/**
 * `honour`: each of A's 40 callers waits the 429's Retry-After before asking again, as an SDK
 * does; `ignore`: A asks again at once (waves of 40, the next as soon as the last answered), a
 * hostile client whose refused requests then load the shared machine as fast as it answers them.
 */
type RetryMode = 'honour' | 'ignore';

interface Options {
  stores: Store[];
  /** B's measured summaries per phase. */
  requests: number;
  /** A's concurrent-query limits to measure B under: 0 is A's plan figure. */
  aLimits: number[];
  /** How A's client treats a 429: each mode a phase under every limit. */
  aRetry: RetryMode[];
}

interface Latency extends LatencySummary {
  /** The Node thread's event-loop delay p99 (ms) while B was measured. */
  loopDelayP99?: number;
  /** Answers other than 200 (status: count); none expected. */
  failures?: Record<string, number>;
}

interface LoadStats {
  sent: number;
  statuses: Record<string, number>;
  reasons: Record<string, number>;
  funnelP50: number;
}

interface StoreResult {
  store: Store;
  aLimit: number;
  solo: Latency;
  underLoad: (Latency & { aLimit: number; aRetry: RetryMode; a: LoadStats })[];
  cache: {
    summaryMiss: Latency;
    summaryHit: Latency;
    funnelMiss: Latency;
    funnelHit: Latency;
  };
}

const USAGE =
  'npm run bench:fairness -- [--store clickhouse|postgres|both] [--requests N] [--a-limits 0,2,1,40]\n' +
  '                           [--a-retry honour,ignore]\n' +
  "  --a-limits: A's concurrent-query limits to measure B under (0: A's plan figure)\n" +
  "  --a-retry: whether A's client waits a 429's Retry-After (honour) or asks again at once (ignore)";

function parseOptions(argv: string[]): Options {
  const options: Options = {
    stores: ['clickhouse', 'postgres'],
    requests: 200,
    aLimits: [0, 2, 1, FUNNELS_IN_FLIGHT],
    aRetry: ['honour', 'ignore'],
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i]];
    const value = () => inline ?? argv[++i];
    if (flag === '--store') {
      const store = value();
      if (store === 'both') options.stores = ['clickhouse', 'postgres'];
      else if (store === 'clickhouse' || store === 'postgres') options.stores = [store];
      else throw new Error(USAGE);
    } else if (flag === '--requests') {
      options.requests = Math.max(10, Math.round(Number(value())));
      if (!Number.isFinite(options.requests)) throw new Error(USAGE);
    } else if (flag === '--a-limits') {
      options.aLimits = value()
        .split(',')
        .map((x) => Math.round(Number(x)));
      if (options.aLimits.some((x) => !Number.isFinite(x) || x < 0 || x > 64))
        throw new Error(USAGE);
    } else if (flag === '--a-retry') {
      const modes = value().split(',');
      if (!modes.length || modes.some((m) => m !== 'honour' && m !== 'ignore'))
        throw new Error(USAGE);
      options.aRetry = modes as RetryMode[];
    } else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  return options;
}

/**
 * B's requests: one keep-alive connection, busy all along. A's: a new connection per funnel (a
 * socket idle between waves for longer than the server's keep-alive would be reset under it).
 */
const bAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const aAgent = new Agent({ keepAlive: false, maxSockets: FUNNELS_IN_FLIGHT });

function send(
  agent: Agent,
  url: string,
  key: string,
  body?: unknown,
): Promise<{ status: number | string; text: string; cache?: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: payload ? 'POST' : 'GET',
        agent,
        headers: {
          Authorization: `Bearer ${key}`,
          ...(payload
            ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            cache: res.headers['x-cache'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Times `count` sequential calls; each must answer 200 (and X-Cache as expected, if given). */
async function timed(
  count: number,
  call: (i: number) => Promise<{ status: number | string; text: string; cache?: string }>,
  cache?: 'hit' | 'miss',
  log?: (line: string) => void,
): Promise<Latency> {
  const samples: number[] = [];
  const failures: Record<string, number> = {};
  // The app and both clients share this process's thread: its delay shows when B waited on it.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const answer = await call(i).catch((error: Error) => ({
      status: `error ${error.message}`,
      text: '',
      cache: undefined,
    }));
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (answer.status !== 200) {
      // Under load a failure is a finding to report, not the end of the run.
      if (!log) throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      failures[answer.status] = (failures[answer.status] ?? 0) + 1;
      if (failures[answer.status] === 1)
        log(`  B answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      continue;
    }
    if (cache && answer.cache !== cache)
      throw new Error(`expected X-Cache ${cache}, got ${answer.cache}`);
  }
  loop.disable();
  return {
    ...summariseLatency(samples),
    loopDelayP99: loop.percentile(99) / 1e6,
    ...(Object.keys(failures).length ? { failures } : {}),
  };
}

/**
 * A's load: FUNNELS_IN_FLIGHT funnels at once, each a different window (so none is a cache
 * hit), until stopped. `ignore`: in waves, the next as soon as the last answered; `honour`:
 * FUNNELS_IN_FLIGHT callers, each asking again once answered, after the Retry-After of a 429.
 */
function startFunnelLoad(
  url: string,
  key: string,
  range: { from: string; to: string },
  retry: RetryMode,
) {
  const stats: LoadStats = { sent: 0, statuses: {}, reasons: {}, funnelP50: 0 };
  const funnelTimes: number[] = [];
  let stopped = false;
  let wake: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (wake = resolve));
  let sequence = 0;
  const query = new URLSearchParams(range).toString();
  /** One funnel; the seconds its 429 said to wait (0 when answered otherwise). */
  const funnel = async (): Promise<number> => {
    const window = 86_400 + (sequence++ % 100_000);
    const t0 = process.hrtime.bigint();
    const answer = await send(aAgent, `${url}/v1/analytics/funnel?${query}`, key, {
      steps: ['page_view', 'add_to_cart', 'purchase'],
      window_seconds: window,
    }).catch((error: Error) => ({ status: `error ${error.message}`, text: '' }));
    stats.sent += 1;
    stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
    if (answer.status === 200) funnelTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (answer.status !== 429) return 0;
    const refusal = JSON.parse(answer.text) as { reason?: string; retry_after?: number };
    const reason = refusal.reason ?? 'rate_limit';
    stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
    return refusal.retry_after ?? 1;
  };
  const loop =
    retry === 'ignore'
      ? (async () => {
          while (!stopped) await Promise.all(Array.from({ length: FUNNELS_IN_FLIGHT }, funnel));
        })()
      : Promise.all(
          Array.from({ length: FUNNELS_IN_FLIGHT }, async () => {
            while (!stopped) {
              const wait = await funnel();
              if (wait > 0 && !stopped)
                await Promise.race([
                  stopping,
                  new Promise((resolve) => setTimeout(resolve, wait * 1000)),
                ]);
            }
          }),
        );
  return {
    async stop(): Promise<LoadStats> {
      stopped = true;
      wake();
      await loop;
      stats.funnelP50 = summariseLatency(funnelTimes.length ? funnelTimes : [0]).p50;
      return stats;
    },
  };
}

async function measureStore(
  app: INestApplication,
  url: string,
  store: Store,
  a: SeedTenant,
  b: SeedTenant,
  anchor: number,
  options: Options,
  log: (line: string) => void,
): Promise<StoreResult> {
  const tenants = app.get(TenantsService);
  // Funnels come with growth and enterprise; whatever A's tier, it may run them.
  await tenants.setPlanOverrides(a.id, { features: ['funnels_retention'] });
  // B asks as fast as it is answered, far past a starter's 100 requests a minute.
  await tenants.setPlanOverrides(b.id, { api_requests_per_minute: 1_000_000 });
  const [keyA, keyB] = [await createKey(app, a.id), await createKey(app, b.id)];
  const tenantA = await tenants.findById(a.id);
  if (!tenantA) throw new Error(`tenant A ${a.id} is gone`);
  const aLimit = (await app.get(EntitlementsService).termsOf(tenantA)).analyticsConcurrentQueries;
  // Each store and each run its own range end (seconds apart): the result cache keys no store
  // and outlives a run by ANALYTICS_CACHE_SECONDS, so a question asked by the other store or by
  // a run a minute ago would be a hit.
  const runOffset = 2 * (Math.floor(Date.now() / 1000) % 3600);
  const to = new Date((anchor - 60 - runOffset - (store === 'postgres' ? 1 : 0)) * 1000);
  const range = {
    from: new Date(to.getTime() - RANGE_DAYS * 86_400_000).toISOString(),
    to: to.toISOString(),
  };
  // B's summary over the same 30 days, `from` a second later each time: never a cache hit.
  let bSequence = 0;
  const bSummary = () => {
    const from = new Date(Date.parse(range.from) + (bSequence++ % 86_000) * 1000).toISOString();
    return send(bAgent, `${url}/v1/analytics/summary?from=${from}&to=${range.to}`, keyB);
  };
  await timed(20, bSummary, undefined, log); // warm-up

  log(`fairness (${store}): B solo, ${options.requests} summaries`);
  const solo = await timed(options.requests, bSummary, 'miss');

  const underLoad = [];
  for (const limit of options.aLimits) {
    const aLimitNow = limit === 0 ? aLimit : limit;
    await tenants.setPlanOverrides(a.id, {
      features: ['funnels_retention'],
      ...(limit === 0 ? {} : { analytics_concurrent_queries: limit }),
    });
    for (const aRetry of options.aRetry) {
      log(
        `fairness (${store}): B under A's ${FUNNELS_IN_FLIGHT} funnels in flight, A's limit ${aLimitNow}, A's client ${aRetry}s Retry-After`,
      );
      const load = startFunnelLoad(url, keyA, range, aRetry);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // A's load settles
      const latency = await timed(options.requests, bSummary, 'miss', log);
      underLoad.push({ ...latency, aLimit: aLimitNow, aRetry, a: await load.stop() });
      // A's last funnels finish before the next phase starts.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  // The cache phase times A's funnels one by one: its plan's request rate, spent by a client
  // that ignored 429s, must not refuse them.
  await tenants.setPlanOverrides(a.id, {
    features: ['funnels_retention'],
    api_requests_per_minute: 1_000_000,
  });

  log(`fairness (${store}): the result cache, hit against miss`);
  const fixed = `${url}/v1/analytics/summary?from=${range.from}&to=${range.to}`;
  const summaryMiss = await timed(options.requests, bSummary, 'miss', log);
  await send(bAgent, fixed, keyB);
  const summaryHit = await timed(options.requests, () => send(bAgent, fixed, keyB), 'hit', log);
  const query = new URLSearchParams(range).toString();
  let window = 7_200;
  const funnel = (seconds: number) =>
    send(bAgent, `${url}/v1/analytics/funnel?${query}`, keyA, {
      steps: ['page_view', 'add_to_cart', 'purchase'],
      window_seconds: seconds,
    });
  const funnelMiss = await timed(
    Math.ceil(options.requests / 4),
    () => funnel(window++),
    'miss',
    log,
  );
  await funnel(3_600);
  const funnelHit = await timed(options.requests, () => funnel(3_600), 'hit', log);
  return {
    store,
    aLimit,
    solo,
    underLoad,
    cache: { summaryMiss, summaryHit, funnelMiss, funnelHit },
  };
}

const ms = (x: number) => x.toFixed(1).padStart(8);

function print(results: StoreResult[], a: SeedTenant, b: SeedTenant): void {
  console.log(
    `\nQuery fairness: A = ${a.slug} (${a.tier}, ${Number(a.events).toLocaleString('en-US')} events), ` +
      `B = ${b.slug} (${b.tier}, ${Number(b.events).toLocaleString('en-US')} events); ${RANGE_DAYS}-day range; ` +
      `A keeps ${FUNNELS_IN_FLIGHT} funnels in flight; ${cpus().length} cores`,
  );
  console.log(
    `${'store'.padEnd(10)} ${'B summary'.padEnd(36)} ${'n'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p99/solo'.padStart(8)} ${'loop p99'.padStart(8)}  A's answers`,
  );
  for (const r of results) {
    const row = (label: string, l: Latency, extra = '') =>
      console.log(
        `${r.store.padEnd(10)} ${label.padEnd(36)} ${String(l.requests).padStart(4)} ${ms(l.p50)} ${ms(l.p99)} ${(l.p99 / r.solo.p99).toFixed(2).padStart(8)} ${ms(l.loopDelayP99 ?? 0)}  ${extra}`,
      );
    const a = (s: LoadStats) =>
      `${JSON.stringify(s.statuses)} reasons ${JSON.stringify(s.reasons)}, admitted funnel p50 ${s.funnelP50.toFixed(0)} ms`;
    console.log(`${r.store.padEnd(10)} A's plan limit: ${r.aLimit} analytics queries at once`);
    row('solo', r.solo);
    for (const phase of r.underLoad) {
      const verdict = phase.p99 < GOAL_RATIO * r.solo.p99 ? 'PASS' : 'MISS';
      const failed = phase.failures ? ` B FAILED ${JSON.stringify(phase.failures)};` : '';
      row(
        `under A, limit ${phase.aLimit}${phase.aLimit === r.aLimit ? ' (plan)' : ''}, ${phase.aRetry}s 429`,
        phase,
        `${verdict} (< ${GOAL_RATIO}x);${failed} ${a(phase.a)}`,
      );
    }
    const c = r.cache;
    console.log(
      `${r.store.padEnd(10)} cache: summary miss p50/p99 ${c.summaryMiss.p50.toFixed(1)}/${c.summaryMiss.p99.toFixed(1)} ms, ` +
        `hit ${c.summaryHit.p50.toFixed(1)}/${c.summaryHit.p99.toFixed(1)} ms; funnel (A) miss ${c.funnelMiss.p50.toFixed(1)}/${c.funnelMiss.p99.toFixed(1)} ms, ` +
        `hit ${c.funnelHit.p50.toFixed(1)}/${c.funnelHit.p99.toFixed(1)} ms`,
    );
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);
  const stack = readStackEnv();
  const base = { ...stack, ...process.env } as Record<string, string>;
  if (!base.DATABASE_HOST || !base.CLICKHOUSE_URL || !base.REDIS_URL)
    throw new Error('the fairness bench needs PostgreSQL, ClickHouse and Redis running');
  const database = `${stack.DATABASE_NAME ?? 'tenantry'}_fair_bench`;
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
  const adminPassword = randomBytes(18).toString('base64url');
  const env: Record<string, string> = {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    DATABASE_NAME: database,
    CLICKHOUSE_DATABASE: database,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // A keeps its plan's request rate (a client that ignores 429s meets it); B's is lifted.
    TENANT_RATE_LIMIT_PER_MINUTE: 'plan',
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    DATABASE_POOL_SIZE: '10',
    INGESTION_CONSUMER: 'off',
    KAFKA_EVENTS_TOPIC: 'bench.fairness',
    KAFKA_CONSUMER_GROUP: 'bench.fairness',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ANALYTICS_CACHE_SECONDS: '60',
  };
  const found = await findSeed(connections, PARAMS).catch((error: Error) => ({
    reason: error.message,
  }));
  const seeded =
    'reason' in found
      ? (log(`fairness: seeding ${database} (${found.reason})`),
        await seed(connections, PARAMS, {
          log: (line) => log(`fairness ${line}`),
          rollUp: () => rollUp({ ...env, EVENT_STORE: 'postgres' }, log),
          provision: (tenants) =>
            provision({ ...env, EVENT_STORE: 'clickhouse' }, adminPassword, tenants, log),
        }))
      : found;
  const { marker, tenants } = seeded;
  const [a, b] = [tenants[0], tenants[Math.floor(tenants.length / 2)]];
  const load = { before: loadavg(), after: [] as number[] };
  const results: StoreResult[] = [];
  for (const store of options.stores) {
    const { app, url } = await startApp({ ...env, EVENT_STORE: store });
    try {
      results.push(await measureStore(app, url, store, a, b, marker.anchor, options, log));
    } finally {
      await app.close();
    }
  }
  load.after = loadavg();
  print(results, a, b);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `analytics-fairness-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify({ params: PARAMS, database, a, b, loadAverage: load, results }, null, 2),
  );
  log(`done; results in ${file}`);
  aAgent.destroy();
  bAgent.destroy();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
