import { Controller, Get } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import { Public } from '../../src/tenancy/scope/access-policy';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

/** A route whose failure quotes URLs with credentials, as a driver or HTTP client error might. */
@Controller('test-log-redaction')
class FailingUpstreamController {
  @Get()
  @Public()
  fail(): never {
    throw new Error(
      'upstream refused GET https://svc.example/v1/x?access_token=secret-in-error-1&page=2 ' +
        'after connecting to redis://cache:secret-in-error-2@cache.example:6379',
    );
  }
}

// Its own file: nestjs-pino keeps its root logger per module registry, so the app whose log
// stream this test reads must be the first app created here.
describe('credentials in URLs never reach the logs (finding 9a)', () => {
  let t: TestApp;
  let text = '';
  const lines = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  /** pino writes asynchronously: wait for the completion line of a request id. */
  const completionOf = async (requestId: string) => {
    for (let i = 0; i < 100; i++) {
      const line = lines().find((l) => l.request_id === requestId && 'res' in l);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no completion line for ${requestId}`);
  };

  beforeAll(async () => {
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => (text += chunk.toString()));
    t = await createTestApp({
      env: { LOG_LEVEL: 'info', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
      logs,
      controllers: [FailingUpstreamController],
    });
  });
  afterAll(() => t.close());

  it('redacts the guest token of an embed page URL from the access log', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const dashboards = await t.http.get('/v1/dashboards').set(auth).expect(200);
    const dashboardId = dashboards.body.data[0].id as string;
    const issued = await t.http
      .post('/v1/guest-token')
      .set(auth)
      .send({ dashboard_id: dashboardId, user: { id: 'viewer-1' } })
      .expect(200);
    const token = issued.body.token as string;
    await t.http
      .get(`/embed/dashboards/${dashboardId}`)
      .query({ token })
      .set('X-Request-ID', 'embed-page-with-token')
      .expect(200);
    const line = await completionOf('embed-page-with-token');
    expect((line.req as { url: string }).url).toBe(
      `/embed/dashboards/${dashboardId}?token=%5Bredacted%5D`,
    );
    for (const part of token.split('.')) expect(text).not.toContain(part);
  });

  it('redacts every credential-named query parameter and keeps the others', async () => {
    const secrets = {
      api_key: 'secret-api-key-1',
      password: 'secret-password-2',
      access_token: 'secret-access-3',
      refresh_token: 'secret-refresh-4',
      'X-Api-Key': 'secret-header-style-5',
      client_secret: 'secret-client-6',
      '%74oken': 'secret-encoded-name-7',
    };
    const query = Object.entries(secrets)
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    await t.http
      .get(`/health/live?page=2&${query}&filter=keep-me`)
      .set('X-Request-ID', 'query-with-credentials')
      .expect(200);
    const line = await completionOf('query-with-credentials');
    const url = (line.req as { url: string }).url;
    expect(url).toContain('page=2');
    expect(url).toContain('filter=keep-me');
    expect(url).toContain('password=%5Bredacted%5D');
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });

  it('redacts credentials in URLs quoted by an error that is logged', async () => {
    await t.http.get('/test-log-redaction').set('X-Request-ID', 'error-quoting-urls').expect(500);
    for (let i = 0; i < 100 && !text.includes('unhandled error'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(text).toContain('unhandled error');
    expect(text).toContain('access_token=[redacted]&page=2');
    expect(text).toContain('redis://cache:[redacted]@cache.example');
    expect(text).not.toContain('secret-in-error-1');
    expect(text).not.toContain('secret-in-error-2');
  });
});
