import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startIngestionConsumer } from '../src/ingestion/ingestion-consumer';
import {
  OVERFLOW_PIPELINE,
  type OverflowPipeline,
} from '../src/ingestion/overflow/overflow-pipeline.provider';
import { EventWriter } from '../src/ingestion/pipeline/event.writer';
import { EVENT_STORE, type EventStore } from '../src/ingestion/store/event-store';
import {
  type BenchSecrets,
  createBenchTenant,
  prepareBenchDatabase,
  startBenchApp,
} from './bench-app';
import type { FloodOrder, FloodOutcome } from './flood-load.worker';

const QUIET_TENANTS = 20;
const QUIET_EVENTS_PER_SECOND = 50;
const FLOOD_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 600_000;
/**
 * Overflow thresholds of the `on` run: 1,000 events/s for enterprise (the bench's tier), so A
 * is hot however loaded the shared machine is, and the quiet tenants (50/s) never are;
 * BENCH_FLOOD_THRESHOLDS to try others (the shipped default is DEFAULT_OVERFLOW_THRESHOLDS).
 */
const FLOOD_THRESHOLDS = process.env.BENCH_FLOOD_THRESHOLDS ?? 'enterprise:1000';

/** What one run (overflow on, or off) gave. */
export interface FloodRun {
  overflow: 'on' | 'off';
  seconds: number;
  /** Tenant A: events accepted (202) per second while it flooded, and whether each was stored once. */
  floodEventsPerSecond: number;
  floodAccepted: number;
  floodRefused: number;
  floodStored: number;
  floodExactlyOnce: boolean;
  /** From the end of the load until the last of A's events was stored. */
  floodDrainSeconds: number;
  /** A's events that went through the overflow consumer. */
  floodViaOverflow: number;
  /** The 20 quiet tenants: acceptance → queryable, over their events accepted during the flood. */
  quiet: {
    accepted: number;
    refused: number;
    measured: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  loadAverage: { before: number[]; after: number[] };
  refusedStatuses: Record<string, number>;
}

export interface FloodBenchResult {
  runs: FloodRun[];
}

/**
 * Noisy neighbour, end to end (HTTP → Kafka → consumers → ClickHouse): tenant A sends 500-event
 * requests as fast as the machine takes them for BENCH_FLOOD_SECONDS (60) while 20 tenants send
 * 50 events/s each; once with hot-tenant overflow on (FLOOD_THRESHOLDS), once with it off.
 * Reports the 20 tenants' acceptance → queryable p50/p99 and checks A's events are all stored
 * exactly once (ClickHouse count FINAL against the accepted count).
 */
export async function benchFlood(
  log: (line: string) => void,
  seconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 60),
): Promise<FloodBenchResult> {
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? 'tenantry';
  const secrets = await prepareBenchDatabase('flood_bench', log, {
    EVENT_STORE: 'clickhouse',
    CLICKHOUSE_DATABASE: `${prefix}_flood_bench`,
    DATABASE_POOL_SIZE: '20',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
    INGESTION_CONSUMER: 'on',
  });
  const run = randomBytes(3).toString('hex');
  const runs: FloodRun[] = [];
  try {
    // A short unreported round first, so neither measured run pays for the process's warm-up
    // (JIT, pools, the ClickHouse schema): without it the first run came out slower whichever it was.
    const warmup = Number(process.env.BENCH_FLOOD_WARMUP_SECONDS ?? 5);
    if (warmup > 0) {
      log(`flood: warming up for ${warmup} s (not reported)`);
      await floodOnce(log, secrets, run, 0, 'on', warmup, 'warmup');
    }
    for (const [index, overflow] of (['on', 'off'] as const).entries()) {
      runs.push(await floodOnce(log, secrets, run, index + 1, overflow, seconds));
    }
  } finally {
    secrets.restoreEnvironment();
  }
  return { runs };
}

async function floodOnce(
  log: (line: string) => void,
  secrets: BenchSecrets,
  run: string,
  index: number,
  overflow: 'on' | 'off',
  seconds: number,
  label: string = overflow,
): Promise<FloodRun> {
  Object.assign(process.env, {
    KAFKA_EVENTS_TOPIC: `bench.${run}.flood-${label}`,
    KAFKA_CONSUMER_GROUP: `bench.${run}.flood-${label}`,
    INGEST_OVERFLOW_EVENTS_PER_SECOND: overflow === 'on' ? FLOOD_THRESHOLDS : 'off',
  });
  const app = await startBenchApp();
  await startIngestionConsumer(app);
  try {
    const url = await app.getUrl();
    const flood = await benchTenant(url, secrets, `flood-${label}-a-${run}`);
    const quiet = [];
    for (let i = 0; i < QUIET_TENANTS; i++) {
      quiet.push(await benchTenant(url, secrets, `flood-${label}-q${i}-${run}`));
    }
    const quietIds = new Set(quiet.map((tenant) => tenant.id));
    const latencies: number[] = [];
    let floodViaOverflow = 0;
    let quietStored = 0;
    let window = { from: Infinity, to: Infinity };
    const listen = (writer: EventWriter, isOverflow: boolean) =>
      writer.onStored((rows, storedAt) => {
        for (const row of rows) {
          if (row.tenantId === flood.id) {
            if (isOverflow) floodViaOverflow += 1;
          } else if (quietIds.has(row.tenantId)) {
            quietStored += 1;
            const accepted = row.receivedAt.getTime();
            if (accepted >= window.from && accepted <= window.to)
              latencies.push(storedAt - accepted);
          }
        }
      });
    listen(app.get(EventWriter), false);
    listen(app.get<OverflowPipeline>(OVERFLOW_PIPELINE).writer, true);

    const before = loadavg();
    log(
      `flood (overflow ${overflow}): tenant A as fast as it goes, ${QUIET_TENANTS} tenants at ${QUIET_EVENTS_PER_SECOND} events/s, ${seconds} s; load average ${before.map((l) => l.toFixed(2)).join(' ')}`,
    );
    window = { from: Date.now(), to: Date.now() + seconds * 1000 };
    const outcome = await load({
      url,
      floodKey: flood.key,
      floodConcurrency: FLOOD_CONCURRENCY,
      quietKeys: quiet.map((tenant) => tenant.key),
      quietEventsPerSecond: QUIET_EVENTS_PER_SECOND,
      seconds,
      runId: index + 1,
    });
    window = { from: outcome.startedAt, to: outcome.endedAt };
    const after = loadavg();
    log(
      `flood (overflow ${overflow}): A sent ${outcome.floodAccepted} events; waiting until all are stored`,
    );
    const store = app.get<EventStore>(EVENT_STORE);
    const floodStored = await drain(
      store,
      flood.id,
      outcome.floodAccepted,
      () => quietStored >= outcome.quietAccepted,
    );
    const floodDrainSeconds = (Date.now() - outcome.endedAt) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    return {
      overflow,
      seconds,
      floodEventsPerSecond: outcome.floodAccepted / ((outcome.endedAt - outcome.startedAt) / 1000),
      floodAccepted: outcome.floodAccepted,
      floodRefused: outcome.floodRefused,
      floodStored,
      floodExactlyOnce: floodStored === outcome.floodAccepted,
      floodDrainSeconds,
      floodViaOverflow,
      quiet: {
        accepted: outcome.quietAccepted,
        refused: outcome.quietRefused,
        measured: sorted.length,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted[sorted.length - 1] ?? 0,
      },
      loadAverage: { before, after },
      refusedStatuses: outcome.refusedStatuses,
    };
  } finally {
    await app.close();
  }
}

/** A tenant on the enterprise plan (its quota holds the flood) with an events:write API key. */
async function benchTenant(
  url: string,
  secrets: BenchSecrets,
  slug: string,
): Promise<{ id: string; key: string }> {
  const tenant = await createBenchTenant(url, secrets, {
    name: slug,
    slug,
    owner_email: `o@${slug}.example`,
    tier: 'enterprise',
  });
  const response = await fetch(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tenant.ownerToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'flood bench', scopes: ['events:write'] }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/api-keys answered ${response.status}`);
  return { id: tenant.id, key: ((await response.json()) as { key: string }).key };
}

function load(order: FloodOrder): Promise<FloodOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'flood-load.worker.js'), { workerData: order });
    worker.on('message', (message: { done?: FloodOutcome; error?: string }) => {
      if (message.error) reject(new Error(message.error));
      if (message.done) resolve(message.done);
    });
    worker.on('error', reject);
  });
}

/** Waits until the store holds `expected` of the tenant's events (and `alsoDone`); answers the count. */
async function drain(
  store: EventStore,
  tenantId: string,
  expected: number,
  alsoDone: () => boolean,
): Promise<number> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let stored = await store.countEvents(tenantId);
  while ((stored < expected || !alsoDone()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    stored = await store.countEvents(tenantId);
  }
  // Late duplicates would show now: a moment more, then the final count.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return store.countEvents(tenantId);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

/** The two runs side by side. */
export function printFlood(result: FloodBenchResult): void {
  console.log(
    `\nNoisy neighbour (HTTP → Kafka → ClickHouse): tenant A floods with ${FLOOD_CONCURRENCY} requests of 500 in flight, ${QUIET_TENANTS} tenants send ${QUIET_EVENTS_PER_SECOND} events/s each`,
  );
  for (const r of result.runs) {
    console.log(
      `overflow ${r.overflow.padEnd(3)} (${r.seconds} s): others' acceptance → queryable p50 ${r.quiet.p50Ms.toFixed(0)} ms, p99 ${r.quiet.p99Ms.toFixed(0)} ms, max ${r.quiet.maxMs.toFixed(0)} ms (${r.quiet.measured} events, ${r.quiet.refused} refused);` +
        ` A ${r.floodEventsPerSecond.toFixed(0)} events/s accepted, ${r.floodStored}/${r.floodAccepted} stored ${r.floodExactlyOnce ? 'exactly once' : 'NOT exactly once'} (${r.floodViaOverflow} rows via the overflow consumer, drained ${r.floodDrainSeconds.toFixed(1)} s after the load; ${r.floodRefused} refused);` +
        ` load average ${r.loadAverage.before[0].toFixed(2)} → ${r.loadAverage.after[0].toFixed(2)}` +
        (Object.keys(r.refusedStatuses).length
          ? `; refused requests by status ${JSON.stringify(r.refusedStatuses)}`
          : ''),
    );
  }
}
