import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { generateEvent } from '../src/cli/event-generator';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';
import { startIngestionConsumer } from '../src/ingestion/ingestion-consumer';
import {
  APP_SIGNATURE_HEADER,
  AppMessageSigner,
  VIA_HEADER,
} from '../src/ingestion/kafka/app-message.signer';
import {
  API_KEY_HEADER,
  ensureTopics,
  kafkaClientConfig,
  RECEIVED_AT_HEADER,
  TENANT_HEADER,
} from '../src/ingestion/kafka/kafka-connection';
import { EventWriter } from '../src/ingestion/pipeline/event.writer';
import type { LoadOrder } from './http-load.worker';
import { PlaintextKafka } from './plaintext-kafka';

export interface PipelineFigures {
  store: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  latency: { rate: number; events: number; p50Ms: number; p99Ms: number; maxMs: number };
}

export interface DrainFigures {
  store: string;
  /** Who the messages come from: the app (signed) or a direct producer (API key per message). */
  origin: 'app-signed' | 'producer-key';
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface IngestionBenchResult {
  clickhouse: PipelineFigures;
  /** The same pipeline through a broker without SASL or ACLs: the cost of authentication. */
  clickhousePlaintext: PipelineFigures;
  postgres: PipelineFigures;
  consumerOnly: DrainFigures[];
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
  // BENCH_DATABASE_PREFIX keeps parallel runs on one machine (several worktrees) apart.
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry';
  const database = `${prefix}_ingest_bench`;
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
    CLICKHOUSE_DATABASE: process.env.BENCH_DATABASE_PREFIX
      ? `${process.env.BENCH_DATABASE_PREFIX}_bench`
      : 'tenantry_bench',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    // The tenant rate limit is checked on every batch but never reached: throughput, not a refusal.
    TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
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
  log('ingestion: starting a throwaway broker without SASL, for the cost of authentication');
  const plaintext = new PlaintextKafka();
  plaintext.start();
  let clickhousePlaintext: PipelineFigures;
  try {
    clickhousePlaintext = await benchPipeline(
      log,
      events,
      {
        ...common,
        KAFKA_BROKERS: plaintext.brokers,
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: '',
        EVENT_STORE: 'clickhouse',
        KAFKA_EVENTS_TOPIC: `bench.${run}.ch-plain`,
        KAFKA_CONSUMER_GROUP: `bench.${run}.ch-plain`,
      },
      adminPassword,
    );
  } finally {
    plaintext.stop();
  }
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
  const consumerOnly: DrainFigures[] = [];
  for (const origin of ['app-signed', 'producer-key'] as const) {
    consumerOnly.push(
      await benchConsumerOnly(
        log,
        events,
        origin,
        {
          ...common,
          EVENT_STORE: 'clickhouse',
          KAFKA_EVENTS_TOPIC: `bench.${run}.drain-${origin}`,
          KAFKA_CONSUMER_GROUP: `bench.${run}.drain-${origin}`,
        },
        adminPassword,
      ),
    );
  }
  return { clickhouse, clickhousePlaintext, postgres, consumerOnly };
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

/**
 * Sends `events` fresh events in requests of BATCH from a worker thread; resolves with the time
 * the first request left (the events are built before it) once every request was answered.
 */
function load(order: LoadOrder): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'http-load.worker.js'), { workerData: order });
    let sentAt = 0;
    worker.on(
      'message',
      (message: { done?: { failures: number; sentAt: number }; error?: string }) => {
        if (message.error) reject(new Error(message.error));
        if (message.done) {
          sentAt = message.done.sentAt;
          if (message.done.failures > 0)
            reject(new Error(`${message.done.failures} requests were not accepted`));
          else resolve(sentAt);
        }
      },
    );
    worker.on('error', reject);
  });
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

export async function benchPipeline(
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
    const keys = tenants.map((t) => t.key);
    const total = Math.ceil(events / BATCH) * BATCH;
    const started = await load({
      url,
      keys,
      events: total,
      batch: BATCH,
      concurrency: 16,
      rate: 0,
    });
    await waitForStored(
      writer,
      () => total,
      () => stored,
    );
    const seconds = (Date.now() - started) / 1000;
    const eventsPerSecond = total / seconds;

    const rate = Math.max(BATCH, Math.round(eventsPerSecond / 2));
    const pacedTotal = Math.ceil(Math.min(rate * 10, events) / BATCH) * BATCH;
    log(`ingestion (${store}): ${pacedTotal} events at ${rate}/s, timing acceptance → queryable`);
    latencies = [];
    const before = stored;
    await load({ url, keys, events: pacedTotal, batch: BATCH, concurrency: 16, rate });
    await waitForStored(
      writer,
      () => before + pacedTotal,
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

/**
 * The consumer alone, draining a topic filled beforehand with messages of 500 events: either as
 * the app produces them (HMAC-signed) or as a direct producer sends them (an API key per
 * message, looked up once and then cached).
 */
async function benchConsumerOnly(
  log: (line: string) => void,
  events: number,
  origin: DrainFigures['origin'],
  env: Record<string, string>,
  adminPassword: string,
): Promise<DrainFigures> {
  // The API only, to make tenants and their keys; the topic is filled straight from here.
  const api = await startApp(env);
  let tenants: { id: string; key: string }[];
  const signer = api.app.get(AppMessageSigner);
  try {
    tenants = await makeTenants(api.url, adminPassword, `drain-${origin}`);
  } finally {
    await api.app.close();
  }
  log(
    `ingestion (consumer only, ${origin}): filling ${env.KAFKA_EVENTS_TOPIC} with ${events} events`,
  );
  // The filling is the app's principal's (the bench topics are its own); the messages name
  // their tenant as the origin says.
  const kafka = new Kafka({
    clientId: 'bench',
    logLevel: logLevel.NOTHING,
    ...kafkaClientConfig(env),
  });
  await ensureTopics(kafka, env.KAFKA_EVENTS_TOPIC, Number(env.KAFKA_EVENTS_PARTITIONS ?? 6));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const perMessage = BATCH;
  for (let sent = 0; sent < events; sent += perMessage * 10) {
    const messages = [];
    for (let m = 0; m < 10 && sent + m * perMessage < events; m++) {
      const tenant = tenants[(sent / perMessage + m) % tenants.length];
      const count = Math.min(perMessage, events - sent - m * perMessage);
      const value = JSON.stringify({
        events: Array.from({ length: count }, () => generateEvent(5000, 3600_000)),
      });
      if (origin === 'producer-key') {
        messages.push({ key: tenant.id, value, headers: { [API_KEY_HEADER]: tenant.key } });
      } else {
        const headers = {
          [TENANT_HEADER]: tenant.id,
          [RECEIVED_AT_HEADER]: String(Date.now()),
          [VIA_HEADER]: 'bench',
        };
        messages.push({
          key: tenant.id,
          value,
          headers: { ...headers, [APP_SIGNATURE_HEADER]: signer.sign(headers, value) },
        });
      }
    }
    await producer.send({ topic: env.KAFKA_EVENTS_TOPIC, acks: -1, messages });
  }
  await producer.disconnect();

  log(`ingestion (consumer only, ${origin}): draining it`);
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
    return { store: 'clickhouse', origin, events, seconds, eventsPerSecond: events / seconds };
  } finally {
    await app.close();
  }
}

/** The ingestion figures as a table, with the cost of Kafka authentication as ratios. */
export function printIngestion(ingestion: IngestionBenchResult): void {
  console.log(
    '\nIngestion end to end (HTTP → Kafka → consumer → store; batches of 500, 16 requests in flight)',
  );
  const rows: [string, PipelineFigures][] = [
    ['clickhouse, SASL/SCRAM broker (as shipped)', ingestion.clickhouse],
    ['clickhouse, plaintext broker (no SASL/ACLs)', ingestion.clickhousePlaintext],
    ['postgres, SASL/SCRAM broker', ingestion.postgres],
  ];
  for (const [label, figures] of rows) {
    console.log(
      `${label.padEnd(44)} sustained ${figures.eventsPerSecond.toFixed(0)} events/s (${figures.events} events in ${figures.seconds.toFixed(1)} s);` +
        ` at ${figures.latency.rate}/s acceptance → queryable p50 ${figures.latency.p50Ms.toFixed(0)} ms, p99 ${figures.latency.p99Ms.toFixed(0)} ms, max ${figures.latency.maxMs.toFixed(0)} ms`,
    );
  }
  console.log(
    `SASL/ACLs vs plaintext: ${(ingestion.clickhouse.eventsPerSecond / ingestion.clickhousePlaintext.eventsPerSecond).toFixed(2)}x the events/s;` +
      ` p99 latency ${(ingestion.clickhouse.latency.p99Ms / Math.max(1, ingestion.clickhousePlaintext.latency.p99Ms)).toFixed(2)}x`,
  );
  for (const drain of ingestion.consumerOnly) {
    console.log(
      `consumer only (${drain.store}, ${drain.origin} messages of 500 events): ${drain.eventsPerSecond.toFixed(0)} events/s draining ${drain.events} events in ${drain.seconds.toFixed(1)} s`,
    );
  }
  const [signed, keyed] = ingestion.consumerOnly;
  if (signed && keyed) {
    console.log(
      `API-key messages vs app-signed: ${(keyed.eventsPerSecond / signed.eventsPerSecond).toFixed(2)}x the events/s`,
    );
  }
}
