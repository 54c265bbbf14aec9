import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { seriousAccessibilityViolations } from './support/accessibility';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

const PASSWORD = 'correct horse battery staple';

/**
 * The workspace's session in a real browser: sign in, a reload keeps the reader signed in
 * through the httpOnly refresh cookie (the access token lives only in memory), the page's
 * script cannot read that cookie, logout ends it, and the CSP holds with nothing refused.
 */
describe('/app session in Chromium', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string; name: string };
  const email = 'session@acme.example';
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    const created = await createTenant(t.http);
    const detail = await t.http.get(`/admin/tenants/${created.id}`).set(adminAuth).expect(200);
    tenant = { id: created.id, slug: created.slug, name: detail.body.name };
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .send({ email, role: 'viewer', password: PASSWORD })
      .expect(201);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the accessibility check finds what it should (an unlabelled field is critical)', async () => {
    const scratch = await browser.context.newPage();
    await scratch.setContent('<html lang="en"><title>x</title><main><input type="text"></main></html>');
    const violations = await seriousAccessibilityViolations(scratch);
    await scratch.close();
    expect(violations.map((violation) => violation.id)).toContain('label');
  });

  it('the sign-in page has no serious or critical accessibility violations', async () => {
    await page.goto(`${t.url}/app`);
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('signs in, survives a reload through the refresh cookie, and logs out', async () => {
    await page.goto(`${t.url}/app?tenant=${tenant.slug}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: tenant.name }).waitFor();
    expect(await page.getByText('viewer').first().isVisible()).toBe(true);

    // The refresh token is in an httpOnly cookie: the page's script cannot see it.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('tenantry_refresh');
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'tenantry_refresh')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/auth',
    });

    await page.reload();
    await page.getByRole('heading', { name: tenant.name }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    expect(cspViolations).toEqual([]);
  });

  it('shows the API refusal of a wrong password on the form', async () => {
    await page.getByLabel('Workspace').fill(tenant.slug);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Invalid credentials').waitFor();
  });
});
