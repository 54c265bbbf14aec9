import 'reflect-metadata';
import { createClient } from '@clickhouse/client';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PostgresRollupRefresher } from '../src/analytics/rollups/postgres-rollup.refresher';
import { AppModule } from '../src/app.module';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';
import type { EventRow } from '../src/ingestion/events/event-contract';
import { ClickHouseEventDeletion } from '../src/ingestion/store/clickhouse-event-deletion';
import { ClickHouseEventStore } from '../src/ingestion/store/clickhouse-event.store';
import { closedDays, PostgresEventDeletion } from '../src/ingestion/store/postgres-event-deletion';
import { PostgresEventStore } from '../src/ingestion/store/postgres-event.store';
import { keptFrom } from '../src/privacy/retention/retention-enforcer.service';
import { TenantContext } from '../src/tenancy/scope/tenant.context';
import { TenantsService } from '../src/tenancy/tenants.service';

const DAY = 86_400_000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
/** The process's peak resident memory so far (getrusage maxrss, KiB). */
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * `npm run bench:erasure`: how fast the deletion paths are on one tenant of BENCH_EVENTS events
 * (default 200,000) over 60 days, 1,000 users: erasing a user holding 2% of them (rollup days
 * recomputed), then retention cutting the older half, on PostgreSQL and, when the stack has it,
 * ClickHouse. Prints seconds, rows removed per second and the process's resident memory.
 */
async function main(): Promise<void> {
  const stack = readStackEnv();
  const base = { ...stack, ...process.env } as Record<string, string>;
  const database = `${process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry'}_erasure_bench`;
  const total = Number(process.env.BENCH_EVENTS ?? 200_000);
  log(`preparing database ${database}`);
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
  if (base.CLICKHOUSE_URL) {
    const admin = createClient({
      url: base.CLICKHOUSE_URL,
      username: base.CLICKHOUSE_WRITER_USER,
      password: base.CLICKHOUSE_WRITER_PASSWORD,
    });
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin.close();
  }
  Object.assign(process.env, {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    CLICKHOUSE_DATABASE: database,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    KAFKA_BROKERS: '',
    REDIS_URL: '',
  });
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  const results: string[] = [];
  try {
    const { id: tenantId } = await app.get(TenantsService).create({
      name: 'Bench',
      slug: 'bench',
      owner_email: 'b@bench.example',
      tier: 'enterprise',
    });
    const tenantContext = app.get(TenantContext);
    const postgres = new PostgresEventStore(tenantContext, app.get(DataSource));
    await postgres.prepare();
    const clickhouse = base.CLICKHOUSE_URL
      ? new ClickHouseEventStore(base.CLICKHOUSE_URL, database, {
          writer: {
            username: base.CLICKHOUSE_WRITER_USER,
            password: base.CLICKHOUSE_WRITER_PASSWORD,
          },
        })
      : null;
    const now = Date.now();
    const erased = 'bench-erased-user';
    log(`seeding ${total} events`);
    for (let done = 0; done < total;) {
      const rows: EventRow[] = [];
      for (let i = 0; i < 10_000 && done < total; i += 1, done += 1) {
        const user = done % 50 === 0 ? erased : `user-${done % 1000}`;
        rows.push({
          tenantId,
          eventId: randomUUID(),
          eventType: ['page_view', 'signup', 'purchase'][done % 3],
          timestamp: new Date(now - ((done * 7919) % 60) * DAY - (done % 86_400) * 1000),
          userId: user,
          sessionId: `${user}-s${done % 5}`,
          properties: { plan: done % 2 ? 'pro' : 'free' },
          receivedAt: new Date(now - DAY),
        });
      }
      await postgres.write(rows);
      await clickhouse?.write(rows);
    }
    await app.get(PostgresRollupRefresher).refreshStaleDays();

    const pgDeletion = new PostgresEventDeletion(tenantContext);
    const pgErase = await timed(() => pgDeletion.eraseUser(tenantId, erased, new Date()));
    results.push(line('PostgreSQL erasure', pgErase.result.events, pgErase.seconds));
    const days = closedDays(pgErase.result.days);
    const pgRollups = await timed(() =>
      app.get(PostgresRollupRefresher).refreshDays(tenantId, days),
    );
    results.push(
      `${'  its rollup days recomputed'.padEnd(40)} ${String(days.length).padStart(8)} days  ${pgRollups.seconds.toFixed(2).padStart(7)} s`,
    );
    const cutoffDay = keptFrom(new Date(now), 30);
    const pgRetention = await timed(() => pgDeletion.deleteBefore(tenantId, cutoffDay));
    results.push(
      line('PostgreSQL retention (per tenant)', pgRetention.result.events, pgRetention.seconds),
    );
    if (clickhouse) {
      const chDeletion = new ClickHouseEventDeletion(clickhouse);
      const chErase = await timed(() => chDeletion.eraseUser(tenantId, erased, new Date()));
      results.push(
        line('ClickHouse erasure (+ rollup days)', chErase.result.events, chErase.seconds),
      );
      const chRetention = await timed(() => chDeletion.deleteBefore([tenantId], cutoffDay));
      results.push(
        line('ClickHouse retention (one mutation)', chRetention.result.events, chRetention.seconds),
      );
      await clickhouse.close();
    }
  } finally {
    await app.close();
  }
  console.log(`\nDeletion paths on one tenant of ${total} events (peak RSS ${peakRssMb()} MB)`);
  for (const row of results) console.log(row);
}

function line(name: string, rows: number, seconds: number): string {
  return `${name.padEnd(40)} ${String(rows).padStart(8)} rows  ${seconds.toFixed(2).padStart(7)} s  ${Math.round(
    rows / seconds,
  )
    .toString()
    .padStart(8)} rows/s`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
