import type { INestApplication } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { RATE_LIMIT_UNAVAILABLE } from '../../src/billing/rate-limits/tenant-rate-limiter.service';
import { setTimeout as delay } from 'node:timers/promises';
import { PLANS } from '../../src/tenancy/plans';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  tenantToken,
  type TestApp,
} from '../support/test-app';

/** How long the loud tenant is driven (the issue asks for 2 minutes), and how hard. */
const SECONDS = 120;
const LOAD_FACTOR = 3;

interface Outcome {
  sentAt: number;
  copy: 0 | 1;
  status: number;
  body: Record<string, unknown>;
}

/**
 * The issue's demonstration: two app copies sharing PostgreSQL and Redis, one tenant (growth:
 * 500 requests per minute) driven at three times its limit for two minutes over both copies and
 * two credentials, another tenant (starter) at a modest rate meanwhile. The loud tenant gets its
 * limit per minute, summed over both copies, within 2%; the quiet one never sees a 429. Minutes
 * run from the first accepted request, by the server's clock (Redis' TIME, as the limit counts).
 */
describe('per-tenant rate limit over two app copies for two minutes', () => {
  let copies: [TestApp, TestApp];

  beforeAll(async () => {
    const env = { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', TENANT_RATE_LIMIT_PER_MINUTE: 'plan' };
    copies = [await createTestApp({ env }), await createTestApp({ env })];
  });
  afterAll(async () => {
    for (const copy of copies ?? []) await copy.close();
  });

  /** GETs /v1/settings at an even rate, alternating copies and credentials; every answer. */
  async function drive(
    credentials: { Authorization: string }[] | Record<string, string>[],
    perMinute: number,
    started: number,
  ): Promise<Outcome[]> {
    const total = Math.floor((perMinute * SECONDS) / 60);
    const pending: Promise<Outcome>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 60_000) / perMinute - Date.now();
      if (wait > 0) await delay(wait);
      const copy = (i % 2) as 0 | 1;
      const sentAt = Date.now() - started;
      pending.push(
        copies[copy].http
          .get('/v1/settings')
          .set(credentials[Math.floor(i / 2) % credentials.length])
          .then((response) => ({ sentAt, copy, status: response.status, body: response.body })),
      );
    }
    return Promise.all(pending);
  }

  it(
    'accepts the loud tenant’s limit per minute within 2% and never refuses the quiet tenant',
    async () => {
      const loud = await createTenant(copies[0].http, { tier: 'growth' });
      const quiet = await createTenant(copies[0].http, { tier: 'starter' });
      const loudOwner = bearer(tenantToken(loud.id));
      // A platform admin makes the key: admins are not counted, so the budget starts with the load.
      const key = await copies[1].http
        .post('/v1/api-keys')
        .set({ ...adminAuth, 'X-Tenant-ID': loud.id })
        .send({ name: 'load', scopes: ['settings:read'] })
        .expect(201);
      const limit = PLANS.growth.apiRequestsPerMinute;
      expect(limit).toBe(500);
      // The server's own record of what it accepted, and when by Redis' clock: the tenant's log
      // holds each accepted request for a minute, so reading it every few seconds sees them all.
      // (The client's send times are no such record: in one loaded Jest process a request can
      // reach the app a second after the test stamped it, and land in the next minute.)
      const log = new Redis(process.env.REDIS_URL!);
      const logKey = `tenantry:${process.env.DATABASE_NAME}:rate-limit:${loud.id}`;
      const counted = new Map<string, number>();
      const readLog = async () => {
        const entries = await log.zrange(logKey, 0, -1, 'WITHSCORES');
        for (let i = 0; i < entries.length; i += 2) counted.set(entries[i], Number(entries[i + 1]));
      };
      const reader = setInterval(() => void readLog(), 5_000);
      const started = Date.now();
      let loudOutcomes: Outcome[];
      let quietOutcomes: Outcome[];
      try {
        [loudOutcomes, quietOutcomes] = await Promise.all([
          drive([loudOwner, { 'X-API-Key': key.body.key }], LOAD_FACTOR * limit, started),
          drive([bearer(tenantToken(quiet.id))], 30, started),
        ]);
        await readLog();
      } finally {
        clearInterval(reader);
        log.disconnect();
      }

      const accepted = loudOutcomes.filter((o) => o.status === 200);
      // The log holds only requests that were answered 200, and every 200 is in it unless the
      // limiter let it through because Redis did not answer within its 250 ms (fail open, in the
      // metric; on a loaded machine a paused event loop does that now and then). A timed-out call
      // Redis did run is both in the log and a fail-open, hence a range, not a sum.
      const failedOpen = await uncountedPasses(copies.map((copy) => copy.app));
      expect(counted.size).toBeLessThanOrEqual(accepted.length);
      expect(accepted.length).toBeLessThanOrEqual(counted.size + failedOpen);
      expect(failedOpen).toBeLessThanOrEqual(accepted.length * 0.01);
      const times = [...counted.values()].sort((a, b) => a - b);
      const perMinute = [0, 1].map(
        (m) =>
          times.filter((t) => t >= times[0] + m * 60_000 && t < times[0] + (m + 1) * 60_000).length,
      );
      const bySendTime = [0, 1].map(
        (m) => accepted.filter((o) => o.sentAt >= m * 60_000 && o.sentAt < (m + 1) * 60_000).length,
      );
      for (const count of perMinute) {
        expect(count).toBeGreaterThanOrEqual(limit * 0.98);
        expect(count).toBeLessThanOrEqual(limit * 1.02);
      }
      // Both copies served the tenant: the budget is the sum over them, not each one's.
      expect(accepted.filter((o) => o.copy === 0).length).toBeGreaterThan(limit / 4);
      expect(accepted.filter((o) => o.copy === 1).length).toBeGreaterThan(limit / 4);
      // Everything else was a 429 naming the limit: nothing failed otherwise.
      const refused = loudOutcomes.filter((o) => o.status !== 200);
      expect(refused.length + accepted.length).toBe(loudOutcomes.length);
      for (const o of refused) {
        expect(o.status).toBe(429);
        expect(o.body).toMatchObject({ tier: 'growth', limit: 500 });
      }
      expect(refused.length).toBeGreaterThan(loudOutcomes.length / 2);

      expect(quietOutcomes.length).toBe(60);
      expect(quietOutcomes.map((o) => o.status)).toEqual(quietOutcomes.map(() => 200));
      process.stdout.write(
        `loud tenant (limit ${limit}/min, sent ${loudOutcomes.length} at ${LOAD_FACTOR}x): ` +
          `accepted per minute ${perMinute.join(', ')} (by the client's send time ${bySendTime.join(', ')}); ` +
          `quiet tenant: ${quietOutcomes.length} sent, 0 refused\n`,
      );
    },
    (SECONDS + 60) * 1000,
  );
});

/** Requests the copies let through uncounted (Redis unavailable: fail open), from their metric. */
async function uncountedPasses(apps: INestApplication[]): Promise<number> {
  // Copies in one process may share prom-client's registry, and so the counter: count each once.
  const counters = new Set(
    apps.map((app) => app.get<Counter<string>>(getToken(RATE_LIMIT_UNAVAILABLE))),
  );
  let total = 0;
  for (const counter of counters) {
    for (const { value } of (await counter.get()).values) total += value;
  }
  return total;
}
