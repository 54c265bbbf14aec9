import { PassThrough } from 'node:stream';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTenant, createTestApp, tenantToken } from '../support/test-app';

const scraper = { Authorization: `Bearer ${TEST_METRICS_TOKEN}` };

// Its own file: nestjs-pino keeps its root logger per module registry, so the app whose log
// stream this test reads must be the first app created here.
describe('per-tenant rate limit with Redis down', () => {
  it('fails open: tenant requests are served uncounted, counted in a metric and logged once with the tenant', async () => {
    let text = '';
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => (text += chunk.toString()));
    // Port 9 (discard) on loopback: nothing listens there, as if Redis were down.
    const t = await createTestApp({
      env: {
        REDIS_URL: 'redis://127.0.0.1:9',
        KAFKA_BROKERS: '',
        CLICKHOUSE_URL: '',
        TENANT_RATE_LIMIT_PER_MINUTE: 'plan',
        LOG_LEVEL: 'info',
      },
      logs,
    });
    try {
      const unavailable = async () => {
        const body = (await t.http.get('/metrics').set(scraper).expect(200)).text;
        const line = body
          .split('\n')
          .find((l) => l.startsWith('tenantry_rate_limit_unavailable_total'));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const before = await unavailable();
      const tenant = await createTenant(t.http);
      const auth = bearer(tenantToken(tenant.id));
      // More than the starter plan's 100 per minute: none refused, none carrying a count.
      for (let i = 0; i < 12; i++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => t.http.get('/v1/settings').set(auth)),
        );
        for (const answer of answers) {
          expect(answer.status).toBe(200);
          expect(answer.headers['ratelimit-limit']).toBeUndefined();
        }
      }
      expect(await unavailable()).toBe(before + 120);

      const warnings = () =>
        text
          .split('\n')
          .filter((line) => line.startsWith('{') && line.endsWith('}'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => String(line.msg).startsWith('rate-limit store unavailable'));
      for (let i = 0; i < 100 && warnings().length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Once per interval, not once per request; it names the tenant that found Redis down.
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatchObject({ tenant_id: tenant.id, level: 40 });
    } finally {
      await t.close();
    }
  });
});
