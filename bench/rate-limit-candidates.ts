import 'reflect-metadata';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisThrottlerStorage } from '../src/auth/redis-throttler.storage';
import { hitSlidingWindow, withSlidingWindow } from '../src/billing/rate-limits/sliding-window';
import { readStackEnv } from '../src/config/stack-env';

/**
 * `npm run bench:rate-limit-candidates`: the two ways the issue names to count a tenant's
 * requests per minute in Redis, measured side by side (about 2.5 minutes):
 *   throttler      @nestjs/throttler's storage contract as the login limit uses it
 *                  (src/auth/redis-throttler.storage.ts: fixed window from the first hit, then
 *                  blocked for blockDuration, which defaults to the ttl)
 *   throttler-0    the same with blockDuration 1 ms: a plain fixed window
 *   sliding-log    the Lua sliding-window log (src/billing/rate-limits/sliding-window.ts)
 * Each candidate runs as two "app copies" (two storages, two Redis connections) sharing one
 * tenant key:
 *   steady    3x the limit for 2 minutes, spread evenly, alternating copies: accepted per
 *             minute of the run, and the most accepted in any 60 s span
 *   boundary  one request at t=0, limit-1 at t=58 s, limit at t=62 s: the most accepted in a
 *             60 s span (a fixed window lets nearly twice the limit through around its edge)
 *   cost      sequential checks on one connection, µs per check (accepted path)
 */
const LIMIT = Number(process.env.RATE_LIMIT_BENCH_LIMIT ?? 500);
const SECONDS = Number(process.env.RATE_LIMIT_BENCH_SECONDS ?? 120);
const WINDOW_MS = 60_000;

type Check = (copy: 0 | 1, key: string, limit: number) => Promise<boolean>;

interface Candidate {
  name: string;
  check: Check;
  close(): void;
}

function throttlerCandidate(name: string, url: string, blockMs: number | null): Candidate {
  const copies = [new RedisThrottlerStorage(url), new RedisThrottlerStorage(url)];
  const throttlerName = `bench-${randomUUID()}`;
  return {
    name,
    check: async (copy, key, limit) =>
      !(await copies[copy].increment(key, WINDOW_MS, limit, blockMs ?? WINDOW_MS, throttlerName))
        .isBlocked,
    close: () => copies.forEach((c) => c.onModuleDestroy()),
  };
}

function slidingLogCandidate(url: string): Candidate {
  const copies = [withSlidingWindow(new Redis(url)), withSlidingWindow(new Redis(url))];
  const prefix = `tenantry:bench-${randomUUID()}:rate-limit:`;
  let sequence = 0;
  return {
    name: 'sliding-log',
    check: async (copy, key, limit) =>
      (
        await hitSlidingWindow(
          copies[copy],
          prefix + key,
          limit,
          WINDOW_MS,
          `${copy}:${++sequence}`,
        )
      ).allowed,
    close: () => copies.forEach((c) => c.disconnect()),
  };
}

/** Most accepted requests within any span of WINDOW_MS (timestamps in ms, sorted). */
function maxInWindow(times: number[]): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= WINDOW_MS) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function steady(candidate: Candidate) {
  const key = `steady-${randomUUID()}`;
  const perSecond = (3 * LIMIT) / 60;
  const total = Math.floor(perSecond * SECONDS);
  const started = Date.now();
  const accepted: number[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await delay(wait);
    const sentAt = Date.now() - started;
    pending.push(
      candidate.check((i % 2) as 0 | 1, key, LIMIT).then((ok) => {
        if (ok) accepted.push(sentAt);
      }),
    );
  }
  await Promise.all(pending);
  accepted.sort((a, b) => a - b);
  const perMinute = Array.from(
    { length: Math.ceil(SECONDS / 60) },
    (_, m) => accepted.filter((t) => t >= m * 60_000 && t < (m + 1) * 60_000).length,
  );
  return { sent: total, accepted: accepted.length, perMinute, maxIn60s: maxInWindow(accepted) };
}

async function boundary(candidate: Candidate) {
  const key = `boundary-${randomUUID()}`;
  const started = Date.now();
  const accepted: number[] = [];
  const burst = async (at: number, count: number) => {
    await delay(Math.max(0, started + at - Date.now()));
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => candidate.check((i % 2) as 0 | 1, key, LIMIT)),
    );
    const sentAt = Date.now() - started;
    for (const ok of results) if (ok) accepted.push(sentAt);
  };
  await burst(0, 1);
  await burst(58_000, LIMIT - 1);
  await burst(62_000, LIMIT);
  return { accepted: accepted.length, maxIn60s: maxInWindow(accepted.sort((a, b) => a - b)) };
}

async function cost(candidate: Candidate, checks = 5000) {
  const key = `cost-${randomUUID()}`;
  for (let i = 0; i < 200; i++) await candidate.check(0, key, 1_000_000_000);
  const samples: number[] = [];
  for (let i = 0; i < checks; i++) {
    const start = process.hrtime.bigint();
    await candidate.check(0, key, 1_000_000_000);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { p50Us: at(0.5), p99Us: at(0.99) };
}

async function main(): Promise<void> {
  const url = process.env.REDIS_URL ?? readStackEnv().REDIS_URL;
  if (!url) throw new Error('no REDIS_URL: run the local stack');
  const candidates = [
    throttlerCandidate('throttler', url, null),
    throttlerCandidate('throttler-0', url, 1),
    slidingLogCandidate(url),
  ];
  process.stderr.write(`[bench] limit ${LIMIT}/min, 3x for ${SECONDS}s, two copies each\n`);
  const costs: { p50Us: number; p99Us: number }[] = [];
  for (const c of candidates) costs.push(await cost(c));
  const [steadies, boundaries] = await Promise.all([
    Promise.all(candidates.map(steady)),
    Promise.all(candidates.map(boundary)),
  ]);
  console.log(`\nRate-limit candidates: limit ${LIMIT}/min, two app copies sharing Redis`);
  console.log(
    `${'candidate'.padEnd(12)} ${'steady 3x: per minute'.padStart(22)} ${'max/60s'.padStart(8)} ${'boundary max/60s'.padStart(17)} ${'p50 µs'.padStart(7)} ${'p99 µs'.padStart(7)}`,
  );
  candidates.forEach((c, i) => {
    const s = steadies[i];
    const b = boundaries[i];
    console.log(
      `${c.name.padEnd(12)} ${s.perMinute.join(' ').padStart(22)} ${String(s.maxIn60s).padStart(8)} ${String(b.maxIn60s).padStart(17)} ${costs[i].p50Us.toFixed(0).padStart(7)} ${costs[i].p99Us.toFixed(0).padStart(7)}`,
    );
  });
  console.log(
    JSON.stringify({
      limit: LIMIT,
      seconds: SECONDS,
      candidates: candidates.map((c, i) => ({
        name: c.name,
        steady: steadies[i],
        boundary: boundaries[i],
        cost: costs[i],
      })),
    }),
  );
  candidates.forEach((c) => c.close());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
