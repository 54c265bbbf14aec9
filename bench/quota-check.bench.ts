import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { accessTokenSignOptions } from '../src/auth/credentials.service';
import { QuotaService } from '../src/billing/quota/quota.service';
import { readStackEnv } from '../src/config/stack-env';
import { recreateDatabase } from '../src/database/recreate-database';

interface Summary {
  p50: number;
  p99: number;
  mean: number;
}

function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { p50: at(50), p99: at(99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

async function timed(n: number, work: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

/**
 * `npm run bench:quota`: what the monthly quota check adds to a request. The check is one
 * QuotaService.reserve (a Lua script on Redis, warm counter); timed alone in-process, and beside
 * POST /v1/events of one event (no Kafka: the in-process sink into PostgreSQL) for scale.
 */
async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const stack = readStackEnv();
  const env = { ...stack, ...process.env } as Record<string, string>;
  if (!env.REDIS_URL) throw new Error('the quota bench needs Redis (REDIS_URL)');
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? stack.DATABASE_NAME ?? 'tenantry';
  const database = `${prefix}_quota_bench`;
  log(`preparing database ${database}`);
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
  const adminPassword = randomBytes(18).toString('base64url');
  const jwtSecret = randomBytes(32).toString('hex');
  Object.assign(process.env, {
    ...stack,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_NAME: database,
    JWT_SECRET: jwtSecret,
    PLATFORM_ADMIN_EMAIL: 'bench@tenantry.localhost',
    PLATFORM_ADMIN_PASSWORD: adminPassword,
    KAFKA_BROKERS: '',
    CLICKHOUSE_URL: '',
  });
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  try {
    const login = await fetch(`${url}/auth/admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'bench@tenantry.localhost', password: adminPassword }),
    });
    const { access_token: adminToken } = (await login.json()) as { access_token: string };
    const created = await fetch(`${url}/admin/tenants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', slug: 'bench', owner_email: 'b@bench.example' }),
    });
    const tenant = (await created.json()) as { id: string; owner: { id: string } };
    const token = new JwtService({ secret: jwtSecret }).sign(
      { sub: tenant.owner.id, tenant_id: tenant.id, role: 'owner' },
      accessTokenSignOptions('1h'),
    );
    const quota = app.get(QuotaService);
    const subject = { id: tenant.id, tier: 'starter' as const };
    const n = Number(process.env.BENCH_REQUESTS ?? 5000);
    const post = async () => {
      const response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          event_id: randomUUID(),
          event_type: 'bench',
          timestamp: new Date().toISOString(),
        }),
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}`);
    };
    log('warm-up');
    await timed(300, () => quota.reserve(subject, 1).then(() => undefined));
    await timed(300, post);
    log(`${n} quota reservations, then ${n} POST /v1/events, sequential`);
    const check = summarise(await timed(n, () => quota.reserve(subject, 1).then(() => undefined)));
    const request = summarise(await timed(n, post));
    const f = (x: number) => x.toFixed(3);
    console.log(
      '\nMonthly quota check (QuotaService.reserve: one Lua script on Redis, warm counter)',
    );
    console.log(
      `quota check alone   p50 ${f(check.p50)} ms  p99 ${f(check.p99)} ms  mean ${f(check.mean)} ms`,
    );
    console.log(
      `POST /v1/events (1) p50 ${f(request.p50)} ms  p99 ${f(request.p99)} ms  mean ${f(request.mean)} ms`,
    );
    console.log(
      `the check's share of the request's p50: ${((check.p50 / request.p50) * 100).toFixed(1)}%`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
