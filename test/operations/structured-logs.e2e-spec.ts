import { PassThrough } from 'node:stream';
import { bearer, createTenant, createTestApp, tenantToken } from '../support/test-app';

// Its own file: nestjs-pino keeps its root logger per module registry, so the app whose log
// stream this test reads must be the first app created here.
describe('structured logs', () => {
  it('writes one JSON line per request carrying the request id and the tenant id', async () => {
    let text = '';
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const lines = () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const t = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs });
    try {
      const tenant = await createTenant(t.http);
      const token = tenantToken(tenant.id);
      const response = await t.http
        .get('/v1/settings')
        .set({ ...bearer(token), 'X-Request-ID': 'req-from-the-edge-42' })
        .expect(200);
      expect(response.headers['x-request-id']).toBe('req-from-the-edge-42');
      // pino writes asynchronously: wait for the completion line to arrive.
      for (
        let i = 0;
        i < 100 &&
        !lines().some(
          (l) => l.request_id === 'req-from-the-edge-42' && l.msg === 'request completed',
        );
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const completed = lines().find(
        (line) => line.request_id === 'req-from-the-edge-42' && line.msg === 'request completed',
      );
      expect(completed).toMatchObject({ tenant_id: tenant.id, service: 'tenantry', level: 30 });
      expect(text).not.toContain(token.split('.')[2]);
    } finally {
      await t.close();
    }
  });

  it('replaces an unsafe incoming request id with a generated one', async () => {
    const t = await createTestApp();
    try {
      const response = await t.http
        .get('/health/live')
        .set('X-Request-ID', 'bad id with spaces')
        .expect(200);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await t.close();
    }
  });
});
