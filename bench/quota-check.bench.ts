import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { TenantsService } from '../src/tenancy/tenants.service';
import { QuotaService } from '../src/billing/quota/quota.service';
import { readStackEnv } from '../src/config/stack-env';
import { createBenchTenant, prepareBenchDatabase, startBenchApp } from './bench-app';

interface Summary {
  p50: number;
  p99: number;
  mean: number;
}

export interface QuotaBenchResult {
  check: Summary;
  request: Summary;
  /** The check's p50 as a share of the request's p50. */
  shareOfRequestP50: number;
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
 * What the monthly quota check adds to a request. The check is one QuotaService.reserve (a Lua
 * script on Redis, warm counter), all the quota adds to a request or a Kafka message; timed alone
 * in-process, and beside POST /v1/events of one event (no Kafka: the in-process sink into
 * PostgreSQL) for scale.
 */
export async function benchQuota(log: (line: string) => void): Promise<QuotaBenchResult> {
  if (!(process.env.REDIS_URL ?? readStackEnv().REDIS_URL))
    throw new Error('the quota bench needs Redis (REDIS_URL)');
  const secrets = await prepareBenchDatabase('quota_bench', log, {
    KAFKA_BROKERS: '',
    CLICKHOUSE_URL: '',
    // The quota alone: the starter plan's 100 requests a minute would refuse the timed POSTs.
    TENANT_RATE_LIMIT_PER_MINUTE: 'off',
  });
  const app = await startBenchApp();
  const url = await app.getUrl();
  try {
    const tenant = await createBenchTenant(url, secrets, {
      name: 'Bench',
      slug: 'bench',
      owner_email: 'b@bench.example',
    });
    const token = tenant.ownerToken;
    const quota = app.get(QuotaService);
    // The tenant as the intake sees it: its plan version and overrides decide the quota.
    const subject = (await app.get(TenantsService).findById(tenant.id))!;
    const n = Number(process.env.BENCH_REQUESTS ?? 5000);
    // A POST waits for the in-process sink's group commit: fewer of them give its scale.
    const posts = Math.min(n, 300);
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
    await timed(50, post);
    log(`${n} quota reservations, then ${posts} POST /v1/events, sequential`);
    const check = summarise(await timed(n, () => quota.reserve(subject, 1).then(() => undefined)));
    const request = summarise(await timed(posts, post));
    return { check, request, shareOfRequestP50: check.p50 / request.p50 };
  } finally {
    await app.close();
    secrets.restoreEnvironment();
  }
}

export function printQuota(result: QuotaBenchResult): void {
  const f = (x: number) => x.toFixed(3);
  const { check, request } = result;
  console.log(
    '\nMonthly quota check (QuotaService.reserve: one Lua script on Redis, warm counter)',
  );
  console.log(
    `quota check alone   p50 ${f(check.p50)} ms  p99 ${f(check.p99)} ms  mean ${f(check.mean)} ms (goal: under 1 ms p50)`,
  );
  console.log(
    `POST /v1/events (1) p50 ${f(request.p50)} ms  p99 ${f(request.p99)} ms  mean ${f(request.mean)} ms`,
  );
  console.log(
    `the check's share of the request's p50: ${(result.shareOfRequestP50 * 100).toFixed(2)}% (ratio with/without ${(1 / (1 - result.shareOfRequestP50)).toFixed(4)}x)`,
  );
}
