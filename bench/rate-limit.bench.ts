import type { INestApplication } from '@nestjs/common';
import { readStackEnv } from '../src/config/stack-env';
import { createBenchTenant, prepareBenchDatabase, startBenchApp } from './bench-app';
import { LatencySummary, measureLatency } from './latency';

export interface RateLimitBenchResult {
  withLimit: LatencySummary;
  withoutLimit: LatencySummary;
  ratio: { p50: number; p99: number; mean: number };
  extraP50Ms: number;
}

/**
 * What the per-tenant rate-limit check adds to a tenant request: GET /v1/settings on two app
 * copies over one database and Redis, one counting every request (the sliding-window script,
 * one Redis round trip) and one with the limit switched off (TENANT_RATE_LIMIT_PER_MINUTE=off),
 * interleaved. The counting copy's limit is set far above what the bench sends (a number in
 * TENANT_RATE_LIMIT_PER_MINUTE), so every request is accepted and its log keeps every entry of
 * the minute: a larger log than any plan's, so the figure errs on the slow side.
 */
export async function benchRateLimit(log: (line: string) => void): Promise<RateLimitBenchResult> {
  if (!(process.env.REDIS_URL ?? readStackEnv().REDIS_URL))
    throw new Error('no REDIS_URL: the rate limit counts in Redis');
  const secrets = await prepareBenchDatabase('rate_limit_bench', log, {
    // API only: the bench measures requests, not the consumer.
    INGESTION_CONSUMER: 'off',
  });
  const start = async (limit: string): Promise<INestApplication> => {
    process.env.TENANT_RATE_LIMIT_PER_MINUTE = limit;
    return startBenchApp();
  };
  const limited = await start('100000000');
  const unlimited = await start('off');
  delete process.env.TENANT_RATE_LIMIT_PER_MINUTE;
  try {
    const limitedUrl = await limited.getUrl();
    const unlimitedUrl = await unlimited.getUrl();
    const tenant = await createBenchTenant(limitedUrl, secrets, {
      name: 'Bench Tenant',
      slug: 'bench',
      owner_email: 'b@bench.example',
    });
    const token = tenant.ownerToken;
    const headers = { Authorization: `Bearer ${token}` };
    const check = await fetch(`${limitedUrl}/v1/settings`, { headers });
    if (!check.headers.get('ratelimit-limit'))
      throw new Error('the counting copy sent no RateLimit-Limit');
    const requests = Number(process.env.BENCH_REQUESTS ?? 5000);
    const progress = (label: string) => (done: number) => log(`  ${label}: ${done}/${requests}`);

    // Interleave two rounds of each so drift on a shared machine hits both sides alike.
    const rounds: LatencySummary[][] = [[], []];
    for (let round = 0; round < 2; round++) {
      log(`round ${round + 1}/2: GET /v1/settings with the rate-limit check`);
      rounds[0].push(
        await measureLatency(`${limitedUrl}/v1/settings`, headers, {
          warmup: 300,
          requests,
          onProgress: progress('with'),
        }),
      );
      log(`round ${round + 1}/2: GET /v1/settings, rate limit off`);
      rounds[1].push(
        await measureLatency(`${unlimitedUrl}/v1/settings`, headers, {
          warmup: 300,
          requests,
          onProgress: progress('without'),
        }),
      );
    }
    const withLimit = merge(rounds[0]);
    const withoutLimit = merge(rounds[1]);
    return {
      withLimit,
      withoutLimit,
      ratio: {
        p50: withLimit.p50 / withoutLimit.p50,
        p99: withLimit.p99 / withoutLimit.p99,
        mean: withLimit.mean / withoutLimit.mean,
      },
      extraP50Ms: withLimit.p50 - withoutLimit.p50,
    };
  } finally {
    await limited.close();
    await unlimited.close();
    secrets.restoreEnvironment();
  }
}

/** Two rounds into one summary: percentiles averaged, counts added. */
function merge(rounds: LatencySummary[]): LatencySummary {
  const avg = (key: keyof LatencySummary) => rounds.reduce((s, r) => s + r[key], 0) / rounds.length;
  return {
    requests: rounds.reduce((s, r) => s + r.requests, 0),
    p50: avg('p50'),
    p90: avg('p90'),
    p99: avg('p99'),
    mean: avg('mean'),
    max: Math.max(...rounds.map((r) => r.max)),
  };
}

/** The with/without table, as `npm run bench` prints it. */
export function printRateLimit(result: RateLimitBenchResult): void {
  const ms = (value: number) => value.toFixed(3).padStart(9);
  console.log('\nRate limit: per-request cost (sequential requests, one keep-alive connection)');
  console.log(
    `${'route'.padEnd(40)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'mean ms'.padStart(9)}`,
  );
  for (const [label, s] of [
    ['GET /v1/settings (rate-limit check)', result.withLimit],
    ['same route, rate limit off', result.withoutLimit],
  ] as const) {
    console.log(
      `${label.padEnd(40)} ${String(s.requests).padStart(8)} ${ms(s.p50)} ${ms(s.p90)} ${ms(s.p99)} ${ms(s.mean)}`,
    );
  }
  console.log(
    `ratio with/without: p50 ${result.ratio.p50.toFixed(2)}x, p99 ${result.ratio.p99.toFixed(2)}x, mean ${result.ratio.mean.toFixed(2)}x` +
      ` (extra per request: p50 +${result.extraP50Ms.toFixed(3)} ms; goal under 1 ms)`,
  );
}
