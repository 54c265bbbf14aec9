import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { createPlatformAdmin } from '../support/platform-admin';
import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';
import { OPERATOR_PASSWORD, signInToConsole } from './support/console-operator';

jest.setTimeout(120_000);

const OWNER_PASSWORD = 'a tenant owner passphrase';

/**
 * What a tenant's user gets from the operator console: nothing. Every /admin call the console
 * makes refuses a tenant user's access token (and changes nothing), the console's login page
 * refuses the user's credentials, and an unknown tenant id in the address shows the API's own
 * 404 message.
 */
describe('/console refuses tenant users', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string };
  let ownerEmail: string;
  let userToken: string;
  const operator = `console-access-${Date.now()}@tenantry.test`;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    const created = await createTenant(t.http);
    await t.http
      .post('/auth/password')
      .send({ token: created.passwordSetToken, password: OWNER_PASSWORD })
      .expect(204);
    // The tenant's owner: the most privileged tenant user there is.
    tenant = created;
    ownerEmail = `owner@${created.slug}.example`;
    const login = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email: ownerEmail, password: OWNER_PASSWORD })
      .expect(200);
    userToken = login.body.access_token as string;
    await createPlatformAdmin(operator, OPERATOR_PASSWORD);
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Every /admin call the console makes (src/web/console), with a body that would succeed. */
  const consoleAdminCalls = (): [string, string, Record<string, unknown> | undefined][] => [
    ['GET', '/admin/tenants?page=1&limit=25', undefined],
    ['POST', '/admin/tenants', { name: 'By a user', slug: `user-${Date.now()}`, owner_email: 'x@y.example' }],
    ['GET', `/admin/tenants/${tenant.id}`, undefined],
    ['PATCH', `/admin/tenants/${tenant.id}`, { name: 'Renamed by a user' }],
    ['PATCH', `/admin/tenants/${tenant.id}`, { status: 'suspended' }],
    ['PUT', `/admin/tenants/${tenant.id}/overrides`, { events_per_month: 1 }],
    ['GET', `/admin/tenants/${tenant.id}/statistics`, undefined],
    ['DELETE', `/admin/tenants/${tenant.id}`, undefined],
    ['POST', `/admin/tenants/${tenant.id}/restore`, undefined],
    ['POST', `/admin/tenants/${tenant.id}/purge`, { confirm_slug: tenant.slug, force: true }],
    ['GET', '/admin/plans?all=true', undefined],
    [
      'POST',
      '/admin/plans',
      {
        code: 'starter',
        price_cents_per_month: 0,
        events_per_month: 1,
        over_quota: 'refuse',
        overage_cents_per_1000_events: 0,
        api_requests_per_minute: 1,
        storage_gb: 1,
        users: 1,
        event_sources: 1,
        data_retention_days: 1,
        features: [],
      },
    ],
    ['GET', '/admin/statistics', undefined],
    ['GET', '/admin/audit-log?page=1&limit=25', undefined],
    ['GET', '/admin/cost-attribution?limit=1000', undefined],
  ];

  it('refuses a tenant user token on every /admin call the console makes, changing nothing', async () => {
    const before = await t.http.get(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    const plansBefore = await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200);
    for (const [method, path, body] of consoleAdminCalls()) {
      const request = t.http[method.toLowerCase() as 'get'](path).set(bearer(userToken));
      const response = await (body ? request.send(body) : request);
      expect([`${method} ${path}`, response.status === 401 || response.status === 403]).toEqual([
        `${method} ${path}`,
        true,
      ]);
    }
    const after = await t.http.get(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    expect(after.body).toEqual(before.body);
    const plansAfter = await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200);
    expect(plansAfter.body).toEqual(plansBefore.body);
  });

  it('the same token still works on its own tenant routes (the refusal is about /admin)', async () => {
    await t.http.get('/auth/me').set(bearer(userToken)).expect(200);
  });

  it("the console's login page refuses a tenant user's credentials", async () => {
    await page.goto(`${t.url}/console`);
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Invalid credentials').waitFor();
    expect(await page.getByRole('heading', { name: 'Tenants', exact: true }).count()).toBe(0);
    expect((await browser.context.cookies()).map((cookie) => cookie.name)).not.toContain(
      'tenantry_admin_refresh',
    );
  });

  it("shows the API's 404 message for an unknown tenant id, and its 400 for a malformed one", async () => {
    await signInToConsole(page, t.url, operator);
    const unknown = randomUUID();
    const answer = await t.http.get(`/admin/tenants/${unknown}`).set(adminAuth).expect(404);
    await page.goto(`${t.url}/console/tenants/${unknown}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe(answer.body.message);
    expect(await alert.getAttribute('data-status')).toBe('404');

    const malformed = await t.http.get('/admin/tenants/not-a-uuid').set(adminAuth).expect(400);
    await page.goto(`${t.url}/console/tenants/not-a-uuid`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').getAttribute('data-status')).toBe('400');
    expect(await page.getByRole('alert').textContent()).toContain(
      String(malformed.body.message ?? malformed.body.errors?.[0]?.message ?? ''),
    );
  });
});
