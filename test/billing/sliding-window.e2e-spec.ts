import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { hitSlidingWindow, withSlidingWindow } from '../../src/billing/rate-limits/sliding-window';

/** The rate limit's Lua script on the real Redis, with a short window to see it slide. */
describe('sliding-window log script', () => {
  let redis: ReturnType<typeof withSlidingWindow>;
  const keys: string[] = [];
  const key = () => {
    const name = `tenantry:${process.env.DATABASE_NAME}:rate-limit-test:${randomUUID()}`;
    keys.push(name);
    return name;
  };
  let sequence = 0;
  const hit = (k: string, limit: number, windowMs: number) =>
    hitSlidingWindow(redis, k, limit, windowMs, `test:${++sequence}`);

  beforeAll(() => {
    redis = withSlidingWindow(new Redis(process.env.REDIS_URL!));
  });
  afterAll(async () => {
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Redis' clock, in ms, as the script reads it. */
  const redisNow = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  it('accepts exactly the limit per window, does not count refusals, and frees slots as they age out', async () => {
    const k = key();
    const W = 3000;
    const first = await hit(k, 3, W);
    expect(first).toMatchObject({ allowed: true, remaining: 2 });
    expect(first.resetMs).toBeGreaterThan(W - 100);
    await delay(1000);
    expect(await hit(k, 3, W)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await hit(k, 3, W)).toMatchObject({ allowed: true, remaining: 0 });
    for (let i = 0; i < 5; i++) {
      const refused = await hit(k, 3, W);
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      // Until the first request (1 s older than the others) leaves the window.
      expect(refused.resetMs).toBeLessThanOrEqual(W - 1000);
    }
    expect(await redis.zcard(k)).toBe(3);
    const [, oldest] = await redis.zrange(k, 0, 0, 'WITHSCORES');
    await delay(Number(oldest) + W + 50 - (await redisNow()));
    // The first has left (the others stay a second longer): one slot.
    expect(await hit(k, 3, W)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await hit(k, 3, W)).allowed).toBe(false);
  });

  it('after a lowered limit, waits until enough requests have left for one more', async () => {
    const k = key();
    const W = 10_000;
    for (let i = 0; i < 4; i++) {
      expect((await hit(k, 10, W)).allowed).toBe(true);
      await delay(500);
    }
    // Four counted, now a limit of 2: three must leave for the count to fall below 2, so the
    // wait runs to the third-oldest's expiry, not the oldest's (a second or more earlier).
    const refused = await hit(k, 2, W);
    const now = await redisNow();
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    const scores = (await redis.zrange(k, 0, -1, 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    expect(scores).toHaveLength(4);
    expect(refused.resetMs).toBeGreaterThanOrEqual(scores[2] + W - now);
    expect(refused.resetMs).toBeLessThanOrEqual(scores[2] + W - now + 200);
    expect(scores[2] - scores[0]).toBeGreaterThanOrEqual(1000);
    expect(await redis.pttl(k)).toBeGreaterThan(W - 1000);
  });
});
