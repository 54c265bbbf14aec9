import { JwtService } from '@nestjs/jwt';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { accessTokenSignOptions } from '../src/auth/credentials.service';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';
import type { EventRow } from '../src/ingestion/events/event-contract';
import { identifier } from '../src/ingestion/store/clickhouse/sql-literal';
import { EVENT_STORE, type EventStore } from '../src/ingestion/store/event-store';
import { clickhouseClient } from './analytics-seed';

/** The budget the issue sets: the app's resident memory grows less than this during an export. */
export const RSS_BUDGET_MIB = 150;

export interface ExportFigures {
  store: 'postgres' | 'clickhouse';
  events: number;
  /** From the run's start to its completion (counting, every table, events, packing). */
  exportSeconds: number;
  eventsPerSecond: number;
  archiveMiB: number;
  /** The app's RSS before the export, its peak while exporting and downloading, and the growth. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssGrowthMiB: number;
  /** The growth while the archive was written (the rest is the download's). */
  rssExportGrowthMiB: number;
  /** V8's heap and the memory outside it (buffers, zlib) at their peaks: where the RSS went. */
  heapPeakMiB: number;
  externalPeakMiB: number;
  downloadSeconds: number;
  withinBudget: boolean;
}

const MiB = 1024 * 1024;
const SEED_BATCH = 20_000;

/** Events of one tenant over the last 30 days, made batch by batch (never all in memory). */
function batchOf(tenantId: string, start: number, size: number, now: number): EventRow[] {
  return Array.from({ length: size }, (_, k) => {
    const i = start + k;
    const at = now - ((i * 7919) % (30 * 86_400)) * 1000;
    return {
      tenantId,
      eventId: randomUUID(),
      eventType: ['page_view', 'signup', 'purchase', 'search'][i % 4],
      timestamp: new Date(at),
      userId: `user-${i % 50_000}`,
      sessionId: `session-${i % 200_000}`,
      properties: { path: `/p/${i % 1000}`, plan: i % 3 === 0 ? 'pro' : 'free', amount: i % 97 },
      receivedAt: new Date(at + 1000),
    };
  });
}

/**
 * One store: a fresh database, the app in this process (so its RSS is the app's), one tenant
 * with `events` events, then POST /v1/exports, polling to completion, and the download read to
 * the end; RSS sampled every 50 ms throughout.
 */
async function benchStore(
  store: 'postgres' | 'clickhouse',
  events: number,
  log: (line: string) => void,
): Promise<ExportFigures> {
  const stack = readStackEnv();
  const env = { ...stack, ...process.env } as Record<string, string>;
  if (!env.DATABASE_HOST) throw new Error('no local stack: run bash scripts/stack.sh up first');
  const database = `${stack.DATABASE_NAME ?? 'tenantry'}_export_bench`;
  log(`export (${store}): preparing database ${database}`);
  await recreateDatabase(
    {
      host: env.DATABASE_HOST,
      port: Number(env.DATABASE_PORT),
      user: env.DATABASE_OWNER_USER,
      password: env.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: stack.DATABASE_NAME ?? 'tenantry',
    },
    database,
  );
  if (store === 'clickhouse') {
    if (!env.CLICKHOUSE_URL) throw new Error('no CLICKHOUSE_URL in the stack');
    const ch = clickhouseClient(env.CLICKHOUSE_URL);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${identifier(database)}` });
    await ch.close();
  }
  const directory = mkdtempSync(join(tmpdir(), 'tenantry-export-bench-'));
  const saved = { ...process.env };
  const adminPassword = randomBytes(18).toString('base64url');
  const jwtSecret = randomBytes(32).toString('hex');
  Object.assign(process.env, {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    CLICKHOUSE_DATABASE: database,
    EVENT_STORE: store,
    // The export runs in this process either way; without Redis it needs no worker.
    REDIS_URL: '',
    KAFKA_BROKERS: '',
    INGESTION_CONSUMER: 'off',
    EXPORT_DIRECTORY: directory,
    JWT_SECRET: jwtSecret,
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    TENANT_RATE_LIMIT_PER_MINUTE: 'off',
    // The export alone: the PostgreSQL rollup timer would roll the seeded days meanwhile (its own
    // work and memory, measured by the analytics bench), and hold app.close() until it is done.
    ROLLUP_REFRESH_SECONDS: '86400',
  });
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureApp(app);
  try {
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const adminLogin = await fetch(`${url}/auth/admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'bench@tenantry.localhost', password: adminPassword }),
    });
    const { access_token: adminToken } = (await adminLogin.json()) as { access_token: string };
    const created = await fetch(`${url}/admin/tenants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Export bench',
        slug: `export-bench-${randomBytes(3).toString('hex')}`,
        owner_email: 'owner@export-bench.example',
        tier: 'enterprise',
      }),
    });
    const tenant = (await created.json()) as { id: string; owner: { id: string } };
    const token = new JwtService({ secret: jwtSecret }).sign(
      { sub: tenant.owner.id, tenant_id: tenant.id, role: 'owner' },
      accessTokenSignOptions(3600),
    );
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

    const eventStore = app.get<EventStore>(EVENT_STORE);
    const now = Date.now();
    const seedStarted = Date.now();
    for (let start = 0; start < events; start += SEED_BATCH) {
      await eventStore.write(batchOf(tenant.id, start, Math.min(SEED_BATCH, events - start), now));
      if ((start / SEED_BATCH) % 10 === 9)
        log(`export (${store}): seeded ${start + SEED_BATCH} events`);
    }
    log(
      `export (${store}): ${events} events seeded in ${((Date.now() - seedStarted) / 1000).toFixed(0)}s`,
    );

    // What the app holds before the export starts (the seeding's garbage collected if we may).
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let heapPeak = 0;
    let externalPeak = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      rssPeak = Math.max(rssPeak, usage.rss);
      heapPeak = Math.max(heapPeak, usage.heapTotal);
      externalPeak = Math.max(externalPeak, usage.external);
    }, 50);
    try {
      const started = await fetch(`${url}/v1/exports`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ from: '1970-01-01T00:00:00Z' }),
      });
      if (started.status !== 202) throw new Error(`POST /v1/exports: ${started.status}`);
      const { id } = (await started.json()) as { id: string };
      let status: {
        status: string;
        started_at: string;
        completed_at: string;
        file: { bytes: number } | null;
        progress: { percent: number; rows_written: number };
      };
      let lastPercent = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = (await (
          await fetch(`${url}/v1/exports/${id}`, { headers })
        ).json()) as typeof status;
        if (status.progress.percent >= lastPercent + 20) {
          lastPercent = status.progress.percent;
          log(
            `export (${store}): ${status.progress.percent}% (${status.progress.rows_written} rows)`,
          );
        }
        if (status.status === 'completed' || status.status === 'failed') break;
      }
      if (status.status !== 'completed') throw new Error('the export failed');
      const rssExportPeak = rssPeak;
      const exportSeconds =
        (Date.parse(status.completed_at) - Date.parse(status.started_at)) / 1000;
      const downloadStarted = Date.now();
      const download = await fetch(`${url}/v1/exports/${id}/download`, { headers });
      let bytes = 0;
      for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
      }
      const downloadSeconds = (Date.now() - downloadStarted) / 1000;
      if (bytes !== status.file!.bytes) throw new Error('the download was cut short');
      const growth = (rssPeak - rssBefore) / MiB;
      return {
        store,
        events,
        exportSeconds,
        eventsPerSecond: events / exportSeconds,
        archiveMiB: bytes / MiB,
        rssBeforeMiB: rssBefore / MiB,
        rssPeakMiB: rssPeak / MiB,
        rssGrowthMiB: growth,
        rssExportGrowthMiB: (rssExportPeak - rssBefore) / MiB,
        heapPeakMiB: heapPeak / MiB,
        externalPeakMiB: externalPeak / MiB,
        downloadSeconds,
        withinBudget: growth < RSS_BUDGET_MIB,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await app.close();
    rmSync(directory, { recursive: true, force: true });
    process.env = saved;
  }
}

export interface ExportBenchOptions {
  events: number;
  stores: ('postgres' | 'clickhouse')[];
}

/** `--events N` (default 2,000,000) and `--store postgres|clickhouse|both` (default both). */
export function parseExportOptions(argv: string[]): ExportBenchOptions {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const events = Number(value('--events') ?? 2_000_000);
  if (!Number.isSafeInteger(events) || events < 1 || events > 50_000_000) {
    throw new Error('--events must be a whole number from 1 to 50,000,000');
  }
  const store = value('--store') ?? 'both';
  if (!['postgres', 'clickhouse', 'both'].includes(store)) {
    throw new Error('--store must be postgres, clickhouse or both');
  }
  return {
    events,
    stores: store === 'both' ? ['postgres', 'clickhouse'] : [store as 'postgres' | 'clickhouse'],
  };
}

export async function benchExport(
  log: (line: string) => void,
  options: ExportBenchOptions = { events: 2_000_000, stores: ['postgres', 'clickhouse'] },
): Promise<ExportFigures[]> {
  const figures: ExportFigures[] = [];
  for (const store of options.stores) figures.push(await benchStore(store, options.events, log));
  return figures;
}

export function printExport(figures: ExportFigures[]): void {
  console.log(
    `\nData export (POST /v1/exports → .tar.gz, read from the event store; app RSS budget +${RSS_BUDGET_MIB} MiB)`,
  );
  for (const f of figures) {
    console.log(
      `${f.store}: ${f.events} events in ${f.exportSeconds.toFixed(1)} s = ${f.eventsPerSecond.toFixed(0)} events/s; ` +
        `archive ${f.archiveMiB.toFixed(1)} MiB, downloaded in ${f.downloadSeconds.toFixed(1)} s; ` +
        `RSS ${f.rssBeforeMiB.toFixed(0)} → peak ${f.rssPeakMiB.toFixed(0)} MiB ` +
        `(+${f.rssGrowthMiB.toFixed(0)} MiB, ${f.withinBudget ? 'within' : 'OVER'} the budget; ` +
        `+${f.rssExportGrowthMiB.toFixed(0)} MiB while writing the archive; ` +
        `heap peak ${f.heapPeakMiB.toFixed(0)} MiB, external ${f.externalPeakMiB.toFixed(0)} MiB)`,
    );
  }
}
