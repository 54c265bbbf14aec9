import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { anEvent } from '../support/ingestion';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { launchChromium } from './browser';
import { guestToken, signGuestToken } from './embed-support';
import { canvasInk, pageColours, tableRows } from './in-page';

jest.setTimeout(120_000);

const SCREENSHOT = join(__dirname, '..', 'artifacts', 'embed-dashboard.png');
const BRANDING = {
  primary_color: '#0f766e',
  accent_color: '#f97316',
  background_color: '#fdf6e3',
  text_color: '#1f2937',
  embed_origins: ['https://app.customer.example'],
};
const rgb = (hex: string) =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/**
 * The embedded dashboard in a real browser (Debian's headless Chromium): with a valid guest token
 * it draws the tenant's numbers in the tenant's colours; with an expired token, another tenant's
 * dashboard, or a token of another dashboard, it shows the refusal and fetches nothing.
 */
describe('embedded dashboard in Chromium', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let tenant: { id: string };
  let auth: { Authorization: string };
  let dashboardId: string;
  let secondId: string;
  let foreignId: string;
  const requests: string[] = [];

  // What was sent: a fixed set of events over the last five days, so every number is known.
  const DAY = 86_400_000;
  const now = Date.now();
  const events = [
    ...['DE', 'DE', 'DE', 'US', 'US', 'FR'].map((country, i) =>
      anEvent({
        properties: { country },
        timestamp: new Date(now - 3_600_000 - i * 60_000).toISOString(),
      }),
    ),
    ...['DE', 'US', 'JP'].map((country, i) =>
      anEvent({
        properties: { country },
        timestamp: new Date(now - 2 * DAY - i * 60_000).toISOString(),
      }),
    ),
    ...['DE', 'BR'].map((country, i) =>
      anEvent({
        properties: { country },
        timestamp: new Date(now - 4 * DAY - i * 60_000).toISOString(),
      }),
    ),
  ];
  const expectedCountries = (() => {
    const counts = new Map<string, number>();
    for (const e of events) {
      const c = (e.properties as { country: string }).country;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  })();
  const expectedDays = (() => {
    const counts = new Map<string, number>();
    for (const e of events) {
      const day = new Date(e.timestamp as string);
      day.setUTCHours(0, 0, 0, 0);
      counts.set(day.toISOString(), (counts.get(day.toISOString()) ?? 0) + 1);
    }
    return counts;
  })();

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    browser = await launchChromium();
    browser.context.on('request', (request) => requests.push(request.url()));
    // Enterprise: a theme of its own (white label) on its embedded dashboards.
    tenant = await createTenant(t.http, { tier: 'enterprise' });
    auth = bearer(tenantToken(tenant.id));
    await t.http.put('/v1/branding').set(auth).send(BRANDING).expect(200);
    await t.http.post('/v1/events').set(auth).send({ events }).expect(202);
    const created = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({
        name: 'Customer analytics',
        widgets: [
          { kind: 'kpi', title: 'Events this week', metric: 'events', options: { range_days: 7 } },
          {
            kind: 'timeseries',
            title: 'Events per day',
            metric: 'events',
            options: { interval: 'day', range_days: 7 },
          },
          {
            kind: 'breakdown',
            title: 'Countries',
            options: { dimension: 'property.country', range_days: 7, limit: 10 },
          },
        ],
      })
      .expect(201);
    dashboardId = created.body.id;
    secondId = (await t.http.get('/v1/dashboards').set(auth).expect(200)).body.data[0].id; // the default
    const other = await createTenant(t.http);
    foreignId = (
      await t.http
        .get('/v1/dashboards')
        .set(bearer(tenantToken(other.id)))
        .expect(200)
    ).body.data[0].id;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const dataRequests = () => requests.filter((url) => url.includes('/embed/api/'));

  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${t.url}${path}`, { waitUntil: 'load' });
    return page;
  }

  it("draws the tenant's numbers as charts in the tenant's colours, and saves a screenshot", async () => {
    requests.length = 0;
    const { embed_url } = await guestToken(t.http, auth, {
      dashboard_id: dashboardId,
      user: { email: 'viewer@customer.example' },
    });
    const page = await open(embed_url.slice(t.url.length));
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.waitForSelector('#embed-dashboard[data-state="ready"]', { timeout: 20_000 });

    expect(await page.textContent('#dashboard-name')).toBe('Customer analytics');
    expect(await page.getAttribute('.kpi-value', 'data-value')).toBe(String(events.length));

    const series = await page.evaluate<[string, number][]>(tableRows('.widget-timeseries'));
    expect(series.length).toBeGreaterThanOrEqual(7);
    expect(new Map(series.filter(([, v]) => v > 0))).toEqual(expectedDays);

    const countries = await page.evaluate<[string, number][]>(tableRows('.widget-breakdown'));
    expect(countries).toEqual(expectedCountries);

    // The charts were drawn, in the tenant's primary colour.
    const primary = rgb(BRANDING.primary_color);
    const painted = await page.evaluate<{ inked: number; brand: number }[]>(canvasInk(primary));
    expect(painted).toHaveLength(2);
    for (const canvas of painted) {
      expect(canvas.inked).toBeGreaterThan(1000);
      expect(canvas.brand).toBeGreaterThan(200);
    }
    // The page itself is in the tenant's colours.
    const colours = await page.evaluate<Record<string, string>>(pageColours);
    const css = (hex: string) => `rgb(${rgb(hex).join(', ')})`;
    expect(colours).toEqual({
      background: css(BRANDING.background_color),
      text: css(BRANDING.text_color),
      title: css(BRANDING.primary_color),
      kpi: css(BRANDING.primary_color),
    });

    expect(dataRequests()).toHaveLength(3);
    expect(errors).toEqual([]);
    mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it.each([
    ['an expired token', 'expired', /has expired/],
    ["another tenant's dashboard id", 'foreign', /does not exist/],
    ['a token of another dashboard', 'other', /issued for another dashboard/],
  ])('shows the refusal and fetches no data for %s', async (_name, kind, message) => {
    requests.length = 0;
    let path: string;
    if (kind === 'expired') {
      const token = signGuestToken({
        tenant_id: tenant.id,
        dashboard_id: dashboardId,
        exp: Math.floor(Date.now() / 1000) - 5,
      });
      path = `/embed/dashboards/${dashboardId}?token=${token}`;
    } else {
      const { token } = await guestToken(t.http, auth, {
        dashboard_id: dashboardId,
        user: { id: 'guest' },
      });
      path = `/embed/dashboards/${kind === 'foreign' ? foreignId : secondId}?token=${token}`;
    }
    const page = await open(path);
    const refusal = page.locator('#embed-refusal');
    await refusal.waitFor({ state: 'visible' });
    expect(await refusal.textContent()).toMatch(message);
    expect(await page.locator('canvas').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dataRequests()).toEqual([]);
    expect(requests.filter((url) => url.includes('/embed/assets/'))).toEqual([]);
    await page.close();
  });

  it('says so in the page when the token expires while it is open', async () => {
    requests.length = 0;
    const token = signGuestToken({
      tenant_id: tenant.id,
      dashboard_id: dashboardId,
      exp: Math.floor(Date.now() / 1000) + 3,
    });
    const page = await open(`/embed/dashboards/${dashboardId}?token=${token}`);
    await page.waitForSelector('#embed-dashboard[data-state="ready"]', { timeout: 10_000 });
    const notice = page.locator('#embed-notice');
    expect(await notice.isVisible()).toBe(false);
    await notice.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await notice.textContent()).toMatch(/has expired/);
    await page.close();
  });
});
