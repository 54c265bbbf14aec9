import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel } from 'kafkajs';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { generateEvent } from '../src/cli/event-generator';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';
import { startIngestionConsumer } from '../src/ingestion/ingestion-consumer';
import { ensureTopics } from '../src/ingestion/kafka/kafka-connection';
import { EventWriter } from '../src/ingestion/pipeline/event-writer';

export interface PipelineFigures {
  store: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  latency: { rate: number; events: number; p50Ms: number; p99Ms: number; maxMs: number };
}

export interface IngestionBenchResult {
  clickhouse: PipelineFigures;
  postgres: PipelineFigures;
  consumerOnly: { store: string; events: number; seconds: number; eventsPerSecond: number };
}

@Module({})
class IngestionBenchModule {}

const BATCH = 500;
const TENANTS = 20;

/**
 * End-to-end ingestion on this machine: HTTP → Kafka → consumer → store, for ClickHouse and for
 * PostgreSQL, at full speed (events/s until all are stored) and at half that rate (per-event
 * latency from acceptance to queryable); then the consumer alone draining a pre-filled topic.
 */
export async function benchIngestion(
  log: (line: string) => void,
  events = Number(process.env.BENCH_INGEST_EVENTS ?? 200_000),
): Promise<IngestionBenchResult> {
  const stack = readStackEnv();
  const base = { ...stack, ...process.env } as Record<string, string>;
  if (!base.KAFKA_BROKERS || !base.CLICKHOUSE_URL)
    throw new Error('the ingestion bench needs Kafka and ClickHouse running');
  const database = `${stack.DATABASE_NAME ?? 'tenantry'}_ingest_bench`;
  log(`ingestion: preparing database ${database}`);
  await recreateDatabase(
    {
      host: base.DATABASE_HOST,
      port: Number(base.DATABASE_PORT),
      user: base.DATABASE_OWNER_USER,
      password: base.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: stack.DATABASE_NAME ?? 'tenantry',
    },
    database,
  );
  const run = randomBytes(3).toString('hex');
  const adminPassword = randomBytes(18).toString('base64url');
  const common = {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    DATABASE_POOL_SIZE: '20',
    JWT_SECRET: randomBytes(32).toString('hex'),
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    CLICKHOUSE_DATABASE: 'tenantry_bench',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  };

  const clickhouse = await benchPipeline(
    log,
    events,
    {
      ...common,
      EVENT_STORE: 'clickhouse',
      KAFKA_EVENTS_TOPIC: `bench.${run}.ch`,
      KAFKA_CONSUMER_GROUP: `bench.${run}.ch`,
    },
    adminPassword,
  );
  const postgres = await benchPipeline(
    log,
    Math.round(events / 2),
    {
      ...common,
      EVENT_STORE: 'postgres',
      KAFKA_EVENTS_TOPIC: `bench.${run}.pg`,
      KAFKA_CONSUMER_GROUP: `bench.${run}.pg`,
    },
    adminPassword,
  );
  const consumerOnly = await benchConsumerOnly(
    log,
    events,
    {
      ...common,
      EVENT_STORE: 'clickhouse',
      KAFKA_EVENTS_TOPIC: `bench.${run}.drain`,
      KAFKA_CONSUMER_GROUP: `bench.${run}.drain`,
    },
    adminPassword,
  );
  return { clickhouse, postgres, consumerOnly };
}

/** The app in this process; its consumer starts when the caller says (startIngestionConsumer). */
async function startApp(
  env: Record<string, string>,
): Promise<{ app: INestApplication; url: string }> {
  Object.assign(process.env, env, { INGESTION_CONSUMER: 'on' });
  const root: DynamicModule = {
    module: IngestionBenchModule,
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

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
  return (await response.json()) as Record<string, unknown>;
}

/** Tenants with an events:write key each, through the admin API. */
async function makeTenants(
  url: string,
  adminPassword: string,
  label: string,
): Promise<{ id: string; key: string }[]> {
  const login = await json(`${url}/auth/admin/login`, {
    method: 'POST',
    body: JSON.stringify({ email: 'bench@tenantry.localhost', password: adminPassword }),
  });
  const admin = { Authorization: `Bearer ${String(login.access_token)}` };
  const tenants: { id: string; key: string }[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const slug = `${label}-${i}-${randomBytes(3).toString('hex')}`;
    const tenant = await json(`${url}/admin/tenants`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: slug,
        slug,
        tier: 'enterprise',
        owner_email: `o@${slug}.example`,
      }),
    });
    const key = await json(`${url}/v1/api-keys`, {
      method: 'POST',
      headers: { ...admin, 'X-Tenant-ID': String(tenant.id) },
      body: JSON.stringify({ name: 'bench', scopes: ['events:write'] }),
    });
    tenants.push({ id: String(tenant.id), key: String(key.key) });
  }
  return tenants;
}

/** Request bodies of BATCH fresh events each, built before the clock starts. */
function bodies(tenants: { key: string }[], events: number): { key: string; body: string }[] {
  return Array.from({ length: Math.ceil(events / BATCH) }, (_, i) => ({
    key: tenants[i % tenants.length].key,
    body: JSON.stringify({
      events: Array.from({ length: BATCH }, () => generateEvent(5000, 3600_000)),
    }),
  }));
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function post(url: string, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/events`,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'X-API-Key': key,
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends every body with `concurrency` requests in flight; `pace` (ms per body) slows it down. */
async function send(
  url: string,
  work: { key: string; body: string }[],
  concurrency: number,
  paceMs = 0,
): Promise<void> {
  let next = 0;
  const started = Date.now();
  let failures = 0;
  const worker = async () => {
    while (next < work.length) {
      const index = next++;
      if (paceMs > 0) {
        const wait = started + index * paceMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const status = await post(url, work[index].key, work[index].body);
      if (status !== 202) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failures > 0) throw new Error(`${failures} requests were not accepted`);
}

function waitForStored(
  writer: EventWriter,
  target: () => number,
  stored: () => number,
  timeoutMs = 300_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      if (stored() >= target()) resolve();
      else if (Date.now() > deadline)
        reject(new Error(`only ${stored()} of ${target()} stored in time`));
      else setTimeout(check, 20);
    };
    check();
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0;
}

async function benchPipeline(
  log: (line: string) => void,
  events: number,
  env: Record<string, string>,
  adminPassword: string,
): Promise<PipelineFigures> {
  const { app, url } = await startApp(env);
  await startIngestionConsumer(app);
  try {
    const store = env.EVENT_STORE;
    const tenants = await makeTenants(url, adminPassword, store);
    const writer = app.get(EventWriter);
    let stored = 0;
    let latencies: number[] | null = null;
    writer.onStored((rows, storedAt) => {
      stored += rows.length;
      if (latencies) for (const row of rows) latencies.push(storedAt - row.receivedAt.getTime());
    });

    log(`ingestion (${store}): ${events} events over HTTP, as fast as they go`);
    const work = bodies(tenants, events);
    const total = work.length * BATCH;
    const started = Date.now();
    await send(url, work, 16);
    await waitForStored(
      writer,
      () => total,
      () => stored,
    );
    const seconds = (Date.now() - started) / 1000;
    const eventsPerSecond = total / seconds;

    const rate = Math.max(BATCH, Math.round(eventsPerSecond / 2));
    const latencyEvents = Math.min(rate * 10, events);
    log(
      `ingestion (${store}): ${latencyEvents} events at ${rate}/s, timing acceptance → queryable`,
    );
    const paced = bodies(tenants, latencyEvents);
    latencies = [];
    const before = stored;
    await send(url, paced, 16, (BATCH / rate) * 1000);
    await waitForStored(
      writer,
      () => before + paced.length * BATCH,
      () => stored,
    );
    const sorted = Float64Array.from(latencies).sort();
    return {
      store,
      events: total,
      seconds,
      eventsPerSecond,
      latency: {
        rate,
        events: sorted.length,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted[sorted.length - 1] ?? 0,
      },
    };
  } finally {
    await app.close();
  }
}

async function benchConsumerOnly(
  log: (line: string) => void,
  events: number,
  env: Record<string, string>,
  adminPassword: string,
): Promise<IngestionBenchResult['consumerOnly']> {
  // The API only, to make tenants; the topic is filled straight from here.
  const api = await startApp(env);
  let tenantIds: string[];
  try {
    tenantIds = (await makeTenants(api.url, adminPassword, 'drain')).map((t) => t.id);
  } finally {
    await api.app.close();
  }
  log(`ingestion (consumer only): filling ${env.KAFKA_EVENTS_TOPIC} with ${events} events`);
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  await ensureTopics(kafka, env.KAFKA_EVENTS_TOPIC, Number(env.KAFKA_EVENTS_PARTITIONS ?? 6));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let sent = 0; sent < events; sent += 5000) {
    await producer.send({
      topic: env.KAFKA_EVENTS_TOPIC,
      acks: -1,
      messages: Array.from({ length: Math.min(5000, events - sent) }, (_, i) => {
        const tenant = tenantIds[(sent + i) % tenantIds.length];
        return {
          key: tenant,
          value: JSON.stringify(generateEvent(5000, 3600_000)),
          headers: { tenant_id: tenant },
        };
      }),
    });
  }
  await producer.disconnect();

  log('ingestion (consumer only): draining it');
  const { app } = await startApp(env);
  try {
    const writer = app.get(EventWriter);
    let stored = 0;
    writer.onStored((rows) => (stored += rows.length));
    const started = Date.now();
    await startIngestionConsumer(app);
    await waitForStored(
      writer,
      () => events,
      () => stored,
    );
    const seconds = (Date.now() - started) / 1000;
    return { store: 'clickhouse', events, seconds, eventsPerSecond: events / seconds };
  } finally {
    await app.close();
  }
}
