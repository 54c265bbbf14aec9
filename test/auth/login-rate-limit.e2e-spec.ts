import Redis from 'ioredis';
import { createTestApp, TestApp } from '../support/test-app';

const attempt = (app: TestApp) =>
  app.http
    .post('/auth/login')
    .send({ tenant: 'nobody', email: 'x@y.example', password: 'whatever' });

describe('login rate limit per IP', () => {
  const redisUrl = process.env.REDIS_URL;

  beforeEach(async () => {
    // Counters outlive a run by a minute; start from none.
    if (!redisUrl) return;
    const redis = new Redis(redisUrl);
    // This run's counters only: other runs sharing the Redis keep theirs.
    const keys = await redis.keys(`tenantry:${process.env.DATABASE_NAME}:throttle:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('is shared through Redis by two app copies', async () => {
    expect(redisUrl).toBeDefined(); // the local stack always runs Redis
    const one = await createTestApp({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    const two = await createTestApp({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      expect((await attempt(one)).status).toBe(401);
      expect((await attempt(two)).status).toBe(401);
      expect((await attempt(one)).status).toBe(401);
      const limited = await attempt(two);
      expect(limited.status).toBe(429);
      expect(limited.body.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt(one)).status).toBe(429);
      // Refresh has a counter of its own; routes without the limit are untouched.
      expect((await one.http.post('/auth/refresh').send({ refresh_token: 'x' })).status).toBe(401);
      await one.http.get('/health/live').expect(200);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('still limits each process without Redis (the embedded default)', async () => {
    const app = await createTestApp({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '2', REDIS_URL: '' } });
    try {
      expect((await attempt(app)).status).toBe(401);
      expect((await attempt(app)).status).toBe(401);
      expect((await attempt(app)).status).toBe(429);
    } finally {
      await app.close();
    }
  });
});
