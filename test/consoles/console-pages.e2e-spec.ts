import { createTestApp, TestApp } from '../support/test-app';

/**
 * How the consoles are served: one HTML page for every path under /console and /app (the
 * single-page app routes in the browser), a strict CSP with no inline script or style, and
 * content-hashed files cached for a year.
 */
describe('console pages and assets', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
  });
  afterAll(() => t.close());

  const assetsOf = (html: string) =>
    [...html.matchAll(/(?:src|href)="(\/(?:console|app)\/assets\/[^"]+)"/g)].map((m) => m[1]);

  it.each(['/console', '/console/tenants/123', '/app', '/app/dashboards/x/edit'])(
    '%s answers the console page with a strict CSP',
    async (path) => {
      const response = await t.http.get(path).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      const csp = response.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-cache');
      // No inline script: every <script> has a src.
      expect(response.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(response.text).toMatch(/<script type="module" src="[^"]+" integrity="sha384-/);
    },
  );

  it('serves each hashed file for a year, and nothing else under assets', async () => {
    for (const app of ['console', 'app']) {
      const page = await t.http.get(`/${app}`).expect(200);
      const assets = assetsOf(page.text);
      expect(assets.some((path) => path.endsWith('.js'))).toBe(true);
      expect(assets.some((path) => path.endsWith('.css'))).toBe(true);
      for (const path of assets) {
        expect(path).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
        const asset = await t.http.get(path).expect(200);
        expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(asset.headers['x-content-type-options']).toBe('nosniff');
      }
    }
    await t.http.get('/app/assets/main-UNKNOWN0.js').expect(404);
    await t.http.get('/app/assets/..%2F..%2Fpackage.json').expect(404);
    await t.http.get('/console/assets/manifest.json').expect(404);
  });
});
