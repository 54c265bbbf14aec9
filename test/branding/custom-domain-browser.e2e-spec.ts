import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { guestToken } from '../embed/embed-support';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

/**
 * A custom domain in a real browser: verified through the local DNS server, then Chromium (its
 * resolver mapped so the name reaches the test app) opens the tenant's embedded dashboard at
 * that name and draws it; another tenant's embed link at the same name shows the refusal page.
 */
describe('custom domain in the browser', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let a: { id: string };
  let b: { id: string };
  let origin: string;
  const hostname = `analytics-${process.pid}-${Date.now().toString(36)}.customer.example`;

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', DNS_RESOLVERS: dns.address },
    });
    const port = new URL(t.url).port;
    origin = `http://${hostname}:${port}`;
    browser = await launchChromium([`--host-resolver-rules=MAP ${hostname} 127.0.0.1`]);
    a = await createTenant(t.http, { tier: 'enterprise' });
    b = await createTenant(t.http, { tier: 'enterprise' });
    const aAuth = bearer(tenantToken(a.id));
    const events = [1, 2, 3].map((n) => ({
      event_id: randomUUID(),
      event_type: 'page_view',
      timestamp: new Date(Date.now() - n * 3_600_000).toISOString(),
      user_id: `u${n}`,
      session_id: `s${n}`,
      properties: {},
    }));
    await t.http.post('/v1/events').set(aAuth).send({ events }).expect(202);
    const added = await t.http.post('/v1/domains').set(aAuth).send({ hostname }).expect(201);
    dns.txt.set(added.body.verification_record.name, [added.body.verification_record.value]);
    const verified = await t.http
      .post(`/v1/domains/${added.body.id}/verify`)
      .set(aAuth)
      .expect(200);
    expect(verified.body.status).toBe('verified');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await dns?.close();
  });

  /** The tenant's default dashboard and an embed URL for it, minted on the custom domain. */
  async function embedUrl(tenantId: string): Promise<string> {
    const auth = bearer(tenantToken(tenantId));
    const dashboards = await t.http.get('/v1/dashboards').set(auth).expect(200);
    const issued = await guestToken(
      t.http,
      { ...auth },
      { dashboard_id: dashboards.body.data[0].id, user: { email: 'viewer@customer.example' } },
    );
    // Minted on the plain host; the same path opened at the custom domain.
    return `${origin}${new URL(issued.embed_url).pathname}${new URL(issued.embed_url).search}`;
  }

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    return page;
  }

  it("serves the tenant's embedded dashboard at its custom domain", async () => {
    const page = await open(await embedUrl(a.id));
    await page.waitForSelector('#embed-dashboard[data-state="ready"]', { timeout: 20_000 });
    expect(new URL(page.url()).hostname).toBe(hostname);
    // The numbers came from the data routes at the custom domain too.
    expect(await page.getAttribute('.kpi-value', 'data-value')).toBe('3');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'custom-domain-embed.png'), fullPage: true });
    await page.close();
  });

  it("shows the refusal page for another tenant's embed link at that domain", async () => {
    const url = await embedUrl(b.id);
    const page = await open(url);
    await page.waitForSelector('text=another organisation', { timeout: 10_000 });
    expect(await page.locator('#embed-dashboard').count()).toBe(0);
    await page.close();
    // The same link at the platform's own address works.
    const plain = await open(`${t.url}${new URL(url).pathname}${new URL(url).search}`);
    await plain.waitForSelector('#embed-dashboard[data-state="ready"]', { timeout: 20_000 });
    await plain.close();
  });
});
