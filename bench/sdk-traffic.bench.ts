import type { INestApplication } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import { Client } from 'pg';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Counter } from 'prom-client';
import { PlansService } from '../src/billing/plans/plans.service';
import { readStackEnv } from '../src/config/stack-env';
import { startIngestionConsumer } from '../src/ingestion/ingestion-consumer';
import { EventWriter } from '../src/ingestion/pipeline/event.writer';
import { CREDENTIAL_CACHE_LOOKUPS } from '../src/tenancy/scope/credential-cache/credential-cache.store';
import { createBenchTenant, prepareBenchDatabase, startBenchApp } from './bench-app';
import type { LoadDone, LoadOrder } from './http-load.worker';

/** One measured load on one app copy. */
export interface LoadFigures {
  requests: number;
  events: number;
  seconds: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The 1-minute load average when the load ended (the machine is shared). */
  loadAverage: number;
}

/** SDK-shaped traffic at one tenant count: the cache off and on, interleaved, and the baseline. */
export interface SdkRound {
  tenants: number;
  cacheOff: LoadFigures;
  cacheOn: LoadFigures;
  /** Hits / lookups of the credential cache during the cache-on loads. */
  hitRatio: number;
  settingsOff: LoadFigures;
  settingsOn: LoadFigures;
  ratio: { requestsPerSecond: number; p50: number; p99: number };
}

export interface SdkTrafficResult {
  batch: number;
  concurrency: number;
  /** 500-event requests into ClickHouse (until stored): the cache off and on, interleaved. */
  bigBatches: { cacheOff: LoadFigures; cacheOn: LoadFigures; ratio: number };
  rounds: SdkRound[];
}

const SDK_BATCH = 20;
const BIG_BATCH = 500;
const CONCURRENCY = 16;
/** Loads of each copy, interleaved (BENCH_SDK_ROUNDS; the best of them is reported). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_SDK_ROUNDS ?? 2));

/**
 * The two ingestion figures of issue 16 in one run, HTTP → Kafka → consumer → ClickHouse, on two
 * app copies over one database: one with the credential cache (CREDENTIAL_CACHE=on) and one
 * without (off), loaded in turn so drift on a shared machine hits both alike:
 * - big batches: 500 events a request, events/s until every event is stored;
 * - SDK-shaped traffic: 20 events a request, every request with the next tenant's own API key,
 *   16 concurrent clients, requests/s, events/s and p50/p99 (each copy's rounds twice, each
 *   cache-on round right after a pass over every key, as steady traffic would keep them), beside
 *   plain `GET /v1/settings` at the same concurrency; at 1,000 and then 10,000 tenants.
 */
export async function benchSdkTraffic(log: (line: string) => void): Promise<SdkTrafficResult> {
  const stack = readStackEnv();
  if (!(process.env.KAFKA_BROKERS ?? stack.KAFKA_BROKERS) || !stack.CLICKHOUSE_URL)
    throw new Error('the SDK traffic bench needs Kafka and ClickHouse running');
  const run = randomBytes(3).toString('hex');
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry';
  const secrets = await prepareBenchDatabase('sdk_bench', log, {
    DATABASE_POOL_SIZE: '20',
    EVENT_STORE: 'clickhouse',
    CLICKHOUSE_DATABASE: `${prefix}_sdk_bench`,
    KAFKA_EVENTS_TOPIC: `bench.${run}.sdk`,
    KAFKA_CONSUMER_GROUP: `bench.${run}.sdk`,
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    // Checked on every request, never reached: throughput, not a refusal.
    TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
    // Longer than a pass over 10,000 keys takes uncached on a loaded machine: the bench measures
    // what a cached request costs at that many tenants (invalidation does not depend on it).
    CREDENTIAL_CACHE_TTL_SECONDS: '900',
  });
  const start = async (cache: 'on' | 'off', consumer: 'on' | 'off') => {
    Object.assign(process.env, { CREDENTIAL_CACHE: cache, INGESTION_CONSUMER: consumer });
    const app = await startBenchApp();
    return { app, url: await app.getUrl() };
  };
  // One consumer (in the cached copy): both copies share this process's one event loop anyway.
  const on = await start('on', 'on');
  const off = await start('off', 'off');
  try {
    await startIngestionConsumer(on.app);
    const stored = storedCounter(on.app);
    const lookups = on.app.get<Counter<string>>(getToken(CREDENTIAL_CACHE_LOOKUPS));
    const counts = (process.env.BENCH_SDK_TENANTS ?? '1000,10000').split(',').map(Number);
    const requests = Number(process.env.BENCH_SDK_REQUESTS ?? 10_000);

    // The baseline tenant is provisioned for real (settings and all), with a settings:read key.
    const baseline = await createBenchTenant(on.url, secrets, {
      name: 'Settings baseline',
      slug: 'settings-baseline',
      owner_email: 'o@settings-baseline.example',
    });
    const settingsKey = await createKey(on.url, baseline.ownerToken);

    const keys: string[] = [];
    const seed = new TenantSeeder(on.app, secrets.database);
    const load = async (
      copy: { url: string },
      order: Omit<LoadOrder, 'url' | 'concurrency' | 'rate'>,
      profile?: string,
    ): Promise<LoadFigures> => {
      const before = stored.count;
      const profiler = profile ? await CpuProfile.start(profile) : null;
      const done = await sendLoad({ ...order, url: copy.url, concurrency: CONCURRENCY, rate: 0 });
      if (!order.get) await stored.waitFor(before + order.events);
      await profiler?.stop(log);
      const seconds = ((order.get ? done.finishedAt : Date.now()) - done.sentAt) / 1000;
      return {
        requests: done.requests,
        events: order.get ? 0 : order.events,
        seconds,
        requestsPerSecond: done.requests / seconds,
        eventsPerSecond: order.get ? 0 : order.events / seconds,
        p50Ms: done.p50Ms,
        p99Ms: done.p99Ms,
        loadAverage: loadavg()[0],
      };
    };

    keys.push(...(await seed.add(Math.min(counts[0], 1000) || 1000, log)));
    const bigEvents = Number(process.env.BENCH_SDK_BIG_EVENTS ?? 100_000);
    const big: LoadFigures[][] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [side, copy] of [
        [0, off],
        [1, on],
      ] as const) {
        log(
          `big batches (${side ? 'cache on' : 'cache off'}), round ${round + 1}/${ROUNDS}: ${bigEvents} events`,
        );
        big[side].push(
          await load(
            copy,
            { keys: keys.slice(0, 20), events: bigEvents, batch: BIG_BATCH },
            `big-${side ? 'on' : 'off'}-${round + 1}`,
          ),
        );
        log(`  ${describe(big[side][round])}`);
      }
    }
    const bigBatches = {
      cacheOff: best(big[0]),
      cacheOn: best(big[1]),
      ratio: best(big[1]).eventsPerSecond / best(big[0]).eventsPerSecond,
    };

    const rounds: SdkRound[] = [];
    for (const tenants of counts) {
      if (keys.length < tenants) keys.push(...(await seed.add(tenants - keys.length, log)));
      const roundKeys = keys.slice(0, tenants);
      // The cached copy's loads visit every tenant (each warmed by the pass before); the other
      // asks PostgreSQL on every request whatever the tenant, so `requests` of it suffice.
      const events = Math.max(requests, tenants) * SDK_BATCH;
      const offEvents = requests * SDK_BATCH;
      const sides: LoadFigures[][] = [[], []];
      const settings: LoadFigures[][] = [[], []];
      let hits = 0;
      let total = 0;
      for (let round = 0; round < ROUNDS; round++) {
        log(`${tenants} tenants, round ${round + 1}/${ROUNDS}: cache off, ${requests} requests`);
        sides[0].push(
          await load(
            off,
            { keys: roundKeys, events: offEvents, batch: SDK_BATCH },
            `sdk-${tenants}-off-${round + 1}`,
          ),
        );
        log(`${tenants} tenants: cache off ${describe(sides[0][round])}`);
        log(
          `${tenants} tenants, round ${round + 1}/${ROUNDS}: a pass over every key, then cache on`,
        );
        await load(on, { keys: roundKeys, events: tenants * SDK_BATCH, batch: SDK_BATCH });
        const before = await lookupCounts(lookups);
        sides[1].push(
          await load(
            on,
            { keys: roundKeys, events, batch: SDK_BATCH },
            `sdk-${tenants}-on-${round + 1}`,
          ),
        );
        const after = await lookupCounts(lookups);
        log(`${tenants} tenants: cache on ${describe(sides[1][round])}`);
        hits += after.hits - before.hits;
        total += after.total - before.total;
        for (const [side, copy] of [
          [0, off],
          [1, on],
        ] as const) {
          settings[side].push(
            await load(copy, { keys: [settingsKey], events: 3_000, batch: 1, get: '/v1/settings' }),
          );
        }
      }
      const cacheOff = best(sides[0]);
      const cacheOn = best(sides[1]);
      rounds.push({
        tenants,
        cacheOff,
        cacheOn,
        hitRatio: total ? hits / total : 0,
        settingsOff: best(settings[0]),
        settingsOn: best(settings[1]),
        ratio: {
          requestsPerSecond: cacheOn.requestsPerSecond / cacheOff.requestsPerSecond,
          p50: cacheOn.p50Ms / cacheOff.p50Ms,
          p99: cacheOn.p99Ms / cacheOff.p99Ms,
        },
      });
    }
    return { batch: SDK_BATCH, concurrency: CONCURRENCY, bigBatches, rounds };
  } finally {
    await off.app.close();
    await on.app.close();
    secrets.restoreEnvironment();
  }
}

/**
 * BENCH_CPU_PROFILE=<dir>: a CPU profile of this process (the app copies; the load runs in a
 * worker thread) for each measured load, as <dir>/<load>.cpuprofile, for Chrome DevTools.
 */
class CpuProfile {
  private constructor(
    private readonly session: Session,
    private readonly file: string,
  ) {}

  static async start(name: string): Promise<CpuProfile | null> {
    const dir = process.env.BENCH_CPU_PROFILE;
    if (!dir) return null;
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return new CpuProfile(session, join(dir, `${name}.cpuprofile`));
  }

  async stop(log: (line: string) => void): Promise<void> {
    const { profile } = await this.session.post('Profiler.stop');
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(profile));
    this.session.disconnect();
    log(`  CPU profile: ${this.file}`);
  }
}

function describe(f: LoadFigures): string {
  return `${f.requestsPerSecond.toFixed(0)} req/s, ${f.eventsPerSecond.toFixed(0)} events/s, p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, load ${f.loadAverage.toFixed(1)}`;
}

/** Of two interleaved rounds, the faster: the other lost more to the machine's other work. */
function best(rounds: LoadFigures[]): LoadFigures {
  return rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
}

async function lookupCounts(counter: Counter<string>): Promise<{ hits: number; total: number }> {
  const { values } = await counter.get();
  const sum = (outcome?: string) =>
    values.filter((v) => !outcome || v.labels.outcome === outcome).reduce((s, v) => s + v.value, 0);
  return { hits: sum('hit'), total: sum() };
}

/** Events the writer has stored since the bench began, and a wait for a count. */
function storedCounter(app: INestApplication) {
  const state = {
    count: 0,
    waitFor(target: number, timeoutMs = 300_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (state.count >= target) resolve();
          else if (Date.now() > deadline)
            reject(new Error(`only ${state.count} of ${target} events stored in time`));
          else setTimeout(check, 10);
        };
        check();
      });
    },
  };
  app.get(EventWriter).onStored((rows) => (state.count += rows.length));
  return state;
}

async function createKey(url: string, ownerToken: string): Promise<string> {
  const response = await fetch(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ownerToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'settings baseline', scopes: ['settings:read'] }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/api-keys answered ${response.status}`);
  return ((await response.json()) as { key: string }).key;
}

function sendLoad(order: LoadOrder): Promise<LoadDone> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'http-load.worker.js'), { workerData: order });
    worker.on('message', (message: { done?: LoadDone; error?: string }) => {
      if (message.error) reject(new Error(message.error));
      if (message.done) {
        if (message.done.failures > 0)
          reject(new Error(`${message.done.failures} requests were not answered as expected`));
        else resolve(message.done);
      }
    });
    worker.on('error', reject);
  });
}

/**
 * Tenants the way ingestion sees them (an enterprise tenant row, its plan period and one
 * events:write key), written straight into the bench database: provisioning 10,000 tenants
 * through the API would take longer than the bench. Each row in its tenant's RLS scope.
 */
class TenantSeeder {
  private made = 0;

  constructor(
    private readonly app: INestApplication,
    private readonly database: string,
  ) {}

  async add(count: number, log: (line: string) => void): Promise<string[]> {
    const plan = await this.app.get(PlansService).currentOf('enterprise');
    const rows = Array.from({ length: count }, (_, i) => {
      const id = randomUUID();
      const prefix = `${id.replace(/-/g, '')}${randomBytes(4).toString('hex')}`;
      const key = `tk_${prefix}_${randomBytes(32).toString('base64url')}`;
      return {
        id,
        slug: `sdk-${this.made + i}`,
        prefix,
        key,
        hash: createHash('sha256').update(key).digest('hex'),
      };
    });
    const env = { ...readStackEnv(), ...process.env } as Record<string, string>;
    const sql = new Client({
      host: env.DATABASE_HOST,
      port: Number(env.DATABASE_PORT),
      user: env.DATABASE_OWNER_USER,
      password: env.DATABASE_OWNER_PASSWORD,
      database: this.database,
    });
    await sql.connect();
    try {
      for (let from = 0; from < rows.length; from += 1000) {
        const part = rows.slice(from, from + 1000);
        await sql.query('BEGIN');
        await sql.query(
          `CREATE TEMP TABLE seed ON COMMIT DROP AS
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
               AS s(id, slug, prefix, hash)`,
          [
            part.map((r) => r.id),
            part.map((r) => r.slug),
            part.map((r) => r.prefix),
            part.map((r) => r.hash),
          ],
        );
        await sql.query(`
          DO $$
          DECLARE r record;
          BEGIN
            FOR r IN SELECT * FROM seed LOOP
              PERFORM set_config('app.tenant_id', r.id::text, true);
              INSERT INTO tenants (id, name, slug, tier, plan_id)
                VALUES (r.id, r.slug, r.slug, 'enterprise', '${plan.id}');
              INSERT INTO tenant_plan_periods (tenant_id, plan_id, effective_from)
                VALUES (r.id, '${plan.id}', now());
              INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, scopes)
                VALUES (r.id, 'sdk', r.prefix, r.hash, '{events:write}');
            END LOOP;
          END $$`);
        await sql.query('COMMIT');
        log(`  seeded ${this.made + from + part.length} tenants`);
      }
    } finally {
      await sql.end();
    }
    this.made += count;
    return rows.map((r) => r.key);
  }
}

/** The figures as `npm run bench:sdk` prints them. */
export function printSdkTraffic(result: SdkTrafficResult): void {
  const line = (label: string, f: LoadFigures) =>
    console.log(
      `${label.padEnd(30)} ${f.requestsPerSecond.toFixed(0).padStart(8)} ${f.eventsPerSecond.toFixed(0).padStart(9)} ${f.p50Ms.toFixed(1).padStart(8)} ${f.p99Ms.toFixed(1).padStart(8)} ${f.loadAverage.toFixed(1).padStart(6)}`,
    );
  const header = () =>
    console.log(
      `${''.padEnd(30)} ${'req/s'.padStart(8)} ${'events/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'load'.padStart(6)}`,
    );
  console.log(
    `\nIngestion, big batches (${BIG_BATCH} events a request, until stored in ClickHouse)`,
  );
  header();
  line('credential cache off', result.bigBatches.cacheOff);
  line('credential cache on', result.bigBatches.cacheOn);
  console.log(`on/off: ${result.bigBatches.ratio.toFixed(2)}x events/s`);
  for (const round of result.rounds) {
    console.log(
      `\nSDK-shaped traffic: ${round.tenants} tenants, ${result.batch} events a request, ${result.concurrency} clients, a key per tenant`,
    );
    header();
    line('POST /v1/events, cache off', round.cacheOff);
    line('POST /v1/events, cache on', round.cacheOn);
    line('GET /v1/settings, cache off', round.settingsOff);
    line('GET /v1/settings, cache on', round.settingsOn);
    console.log(
      `on/off: ${round.ratio.requestsPerSecond.toFixed(2)}x requests/s, p50 ${round.ratio.p50.toFixed(2)}x, p99 ${round.ratio.p99.toFixed(2)}x; cache hit ratio ${(round.hitRatio * 100).toFixed(1)}%`,
    );
  }
  if (result.rounds.length > 1) {
    const [first, last] = [result.rounds[0], result.rounds[result.rounds.length - 1]];
    console.log(
      `\n${last.tenants} vs ${first.tenants} tenants, cache on: ${(last.cacheOn.requestsPerSecond / first.cacheOn.requestsPerSecond).toFixed(2)}x requests/s; cache off: ${(last.cacheOff.requestsPerSecond / first.cacheOff.requestsPerSecond).toFixed(2)}x`,
    );
  }
}
