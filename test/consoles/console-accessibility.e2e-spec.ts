import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { createPlatformAdmin } from '../support/platform-admin';
import { adminAuth, createTestApp, TestApp, uniqueSlug } from '../support/test-app';
import { seriousAccessibilityViolations } from './support/accessibility';
import {
  OPERATOR_PASSWORD,
  saveConsoleScreenshot,
  signInToConsole,
} from './support/console-operator';

jest.setTimeout(240_000);

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * Every operator console page, at 1280 px and at 390 px wide: no serious or critical axe-core
 * violation, nothing wider than the screen, and a screenshot (1280x800) for the README.
 */
describe('/console pages: accessibility and screenshots', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenantId: string;
  const operator = `console-a11y-${Date.now()}@tenantry.test`;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    await createPlatformAdmin(operator, OPERATOR_PASSWORD);
    const tiers = ['enterprise', 'growth', 'starter', 'growth'];
    const names = ['Acme Analytics', 'Globex Retail', 'Initech Labs', 'Umbrella Health'];
    for (const [index, name] of names.entries()) {
      const slug = uniqueSlug(name.split(' ')[0].toLowerCase());
      const created = await t.http
        .post('/admin/tenants')
        .set(adminAuth)
        .send({ name, slug, owner_email: `owner@${slug}.example`, tier: tiers[index] })
        .expect(201);
      if (index === 0) tenantId = created.body.id as string;
      if (index === 2) {
        await t.http
          .patch(`/admin/tenants/${created.body.id}`)
          .set(adminAuth)
          .send({ status: 'suspended' })
          .expect(200);
      }
    }
    await t.http
      .put(`/admin/tenants/${tenantId}/overrides`)
      .set(adminAuth)
      .send({ events_per_month: 250_000_000, api_requests_per_minute: 6000 })
      .expect(200);
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize(WIDE);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Each page: how to reach it and what shows once it has loaded. */
  const PAGES: { name: string; open: () => Promise<void> }[] = [
    {
      name: 'tenants',
      open: async () => {
        await page.goto(`${t.url}/console`);
        await page.locator('tbody tr').first().waitFor();
      },
    },
    {
      name: 'tenant',
      open: async () => {
        await page.goto(`${t.url}/console/tenants/${tenantId}`);
        await page.getByText(/^Events: /).waitFor();
        await page.getByRole('heading', { name: 'Health' }).waitFor();
        await page.locator('#audit table, #audit .empty').first().waitFor();
      },
    },
    {
      name: 'create-tenant',
      open: async () => {
        await page.goto(`${t.url}/console/tenants/new`);
        await page.getByRole('heading', { name: 'Create tenant' }).waitFor();
      },
    },
    {
      name: 'plans',
      open: async () => {
        await page.goto(`${t.url}/console/plans`);
        await page.locator('tbody tr').first().waitFor();
      },
    },
    {
      name: 'statistics',
      open: async () => {
        await page.goto(`${t.url}/console/statistics`);
        await page.getByText('All tenants').waitFor();
      },
    },
    {
      name: 'costs',
      open: async () => {
        await page.goto(`${t.url}/console/costs`);
        await page.locator('main table, main .empty').first().waitFor();
      },
    },
    {
      name: 'audit-log',
      open: async () => {
        await page.goto(`${t.url}/console/audit-log`);
        await page.locator('tbody tr').first().waitFor();
      },
    },
    {
      name: 'not-found',
      open: async () => {
        await page.goto(`${t.url}/console/no-such-page`);
        await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      },
    },
  ];

  /** Whether anything makes the page scroll sideways (tables scroll inside their wrapper). */
  const overflowsSideways = () =>
    page.evaluate<boolean>(
      'document.documentElement.scrollWidth > document.documentElement.clientWidth + 1',
    );

  it('the login page, at both widths', async () => {
    await page.goto(`${t.url}/console`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveConsoleScreenshot(page, 'login');
    await page.setViewportSize(PHONE);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(await overflowsSideways()).toBe(false);
    await page.setViewportSize(WIDE);
    await signInToConsole(page, t.url, operator);
  });

  it.each(PAGES.map((entry) => [entry.name, entry]))(
    '%s: no serious or critical violations at 1280 px and 390 px',
    async (name, entry) => {
      await page.setViewportSize(WIDE);
      await entry.open();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await saveConsoleScreenshot(page, name);
      await page.setViewportSize(PHONE);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(await overflowsSideways()).toBe(false);
      await saveConsoleScreenshot(page, name, { phone: true });
      await page.setViewportSize(WIDE);
    },
  );

  it('the created-tenant page with its one-time link, and a confirmation dialog', async () => {
    const slug = uniqueSlug('stark');
    await page.goto(`${t.url}/console/tenants/new`);
    await page.getByLabel('Name').fill('Stark Industries');
    await page.getByLabel('Slug').fill(slug);
    await page.getByLabel("Owner's email").fill(`owner@${slug}.example`);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Tenant created' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveConsoleScreenshot(page, 'tenant-created');
    await page.setViewportSize(PHONE);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(await overflowsSideways()).toBe(false);
    await page.setViewportSize(WIDE);

    await page.getByRole('link', { name: 'Open Stark Industries' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByLabel(/Type .* to confirm/).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await saveConsoleScreenshot(page, 'confirm-delete');
    // Keyboard: Escape closes the dialog and changes nothing.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  it('is keyboard navigable: the skip link comes first and focus is visible', async () => {
    await page.goto(`${t.url}/console`);
    await page.locator('tbody tr').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe(
      'Skip to content',
    );
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate<string>(
      'getComputedStyle(document.activeElement).outlineStyle',
    );
    expect(outline).not.toBe('none');
  });
});
