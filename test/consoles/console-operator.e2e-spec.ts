import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { createPlatformAdmin } from '../support/platform-admin';
import { adminAuth, createTestApp, TestApp, uniqueSlug } from '../support/test-app';
import { OPERATOR_PASSWORD, signInToConsole } from './support/console-operator';

jest.setTimeout(180_000);

/**
 * The operator console in Chromium: sign in, a reload keeps the session (the admin refresh
 * cookie), create a tenant and see its owner's link once, search, filter and page the tenants,
 * open one, change its overrides, suspend, restore, delete and purge it with typed
 * confirmation, checking the API's state after each step; log out.
 */
describe('/console operator flows in Chromium', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const email = `console-flow-${Date.now()}@tenantry.test`;
  const cspViolations: string[] = [];

  const tenantState = async (id: string) =>
    (await t.http.get(`/admin/tenants/${id}`).set(adminAuth).expect(200)).body as {
      status: string;
      name: string;
      plan_overrides: Record<string, unknown> | null;
    };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    await createPlatformAdmin(email, OPERATOR_PASSWORD);
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

  it('signs in, keeps the session across a reload through the httpOnly admin refresh cookie', async () => {
    await signInToConsole(page, t.url, email);
    expect(await page.evaluate<string>('document.cookie')).not.toContain('tenantry_admin_refresh');
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'tenantry_admin_refresh')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/auth/admin',
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
  });

  it('creates a tenant, showing the API field error first, then the owner link once', async () => {
    const slug = uniqueSlug('made');
    await page.getByRole('link', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Create tenant' }).waitFor();
    const name = `Made ${slug}`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Slug').fill('Not A Slug');
    await page.getByLabel("Owner's email").fill(`owner@${slug}.example`);
    await page.getByLabel('Tier').selectOption('growth');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    // The API's refusal, under the field it names.
    const slugError = page.locator('#field-slug-error');
    await slugError.waitFor();
    expect(await page.getByLabel('Slug').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain('slug');

    await page.getByLabel('Slug').fill(slug);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Tenant created' }).waitFor();
    const link = (await page.locator('#password-set-link').textContent())!.trim();
    expect(link).toMatch(new RegExp(`^${t.url}/app/set-password#token=.+`));
    expect(await page.getByText('This link will not be shown again.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Copy link' }).waitFor();

    // It is the owner's real one-time token: it sets the password.
    const token = decodeURIComponent(link.split('#token=')[1]);
    await t.http
      .post('/auth/password')
      .send({ token, password: 'an owner passphrase here' })
      .expect(204);
    const listed = await t.http
      .get('/admin/tenants')
      .query({ search: name })
      .set(adminAuth)
      .expect(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ slug, tier: 'growth', name }),
    ]);

    // Gone once the page is left: the form comes back empty, the link is nowhere.
    await page.getByRole('link', { name: 'Back to tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Create tenant' }).waitFor();
    expect(await page.locator('#password-set-link').count()).toBe(0);
    expect(await page.getByLabel('Slug').inputValue()).toBe('');
  });

  it('searches, filters by status and tier, and pages the tenants list', async () => {
    const prefix = `Paged${Date.now().toString(36)}`;
    const ids: string[] = [];
    const slugs: string[] = [];
    for (let index = 0; index < 27; index += 1) {
      const slug = uniqueSlug('pg');
      const created = await t.http
        .post('/admin/tenants')
        .set(adminAuth)
        .send({
          name: `${prefix} ${String(index).padStart(2, '0')}`,
          slug,
          owner_email: `owner@${slug}.example`,
          tier: index < 3 ? 'enterprise' : 'starter',
        })
        .expect(201);
      ids.push(created.body.id as string);
      slugs.push(slug);
    }
    await t.http
      .patch(`/admin/tenants/${ids[5]}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);

    await page.goto(`${t.url}/console`);
    await page.getByLabel('Search name or slug').fill(prefix);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Page 1 of 2 (27 in all)').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(25);
    expect(page.url()).toContain(`search=${prefix}`);

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2 (27 in all)').waitFor();
    // The pager moves with the click; the rows follow when the page's answer arrives.
    await page.locator('tbody tr').nth(2).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(2);

    await page.getByLabel('Tier').selectOption('enterprise');
    await page.getByText('Page 1 of 1 (3 in all)').waitFor();
    await page.getByLabel('Tier').selectOption('');
    await page.getByLabel('Status').selectOption('suspended');
    await page.getByText('Page 1 of 1 (1 in all)').waitFor();
    await page.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').first().textContent()).toContain(`${prefix} 05`);

    // The filters are in the address: a reload shows the same list.
    await page.reload();
    await page.getByText('Page 1 of 1 (1 in all)').waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('suspended');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    // The search matches slugs too.
    await page.getByLabel('Search name or slug').fill(slugs[7]);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Page 1 of 1 (1 in all)').waitFor();
    expect(await page.locator('tbody tr').first().textContent()).toContain(`${prefix} 07`);

    await page.getByLabel('Search name or slug').fill('no tenant is called this');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No tenant matches these filters.').waitFor();
  });

  it('opens a tenant, changes its overrides, suspends, restores, deletes and purges it', async () => {
    const slug = uniqueSlug('life');
    const created = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: `Lifecycle ${slug}`, slug, owner_email: `owner@${slug}.example` })
      .expect(201);
    const id = created.body.id as string;

    await page.goto(`${t.url}/console?search=${slug}`);
    await page.getByRole('link', { name: `Lifecycle ${slug}` }).click();
    await page.getByRole('heading', { name: `Lifecycle ${slug}`, level: 1 }).waitFor();
    expect(page.url()).toBe(`${t.url}/console/tenants/${id}`);
    await page.getByRole('heading', { name: 'Usage against limits' }).waitFor();
    // Its operating figures (GET /admin/tenants/{id}/health): no events yet, no queries.
    const operations = page.getByRole('region', { name: 'Operations' });
    await operations.getByText('Query p95 (60 min)').waitFor();
    expect(await operations.getByText('0 queries').count()).toBe(1);

    // Overrides.
    await page.getByLabel('Events per month').fill('1234567');
    await page.getByLabel('Past the event quota').selectOption('overage');
    await page.getByRole('button', { name: 'Save overrides' }).click();
    await page.getByText('Overrides saved.').waitFor();
    expect((await tenantState(id)).plan_overrides).toMatchObject({
      events_per_month: 1234567,
      over_quota: 'overage',
    });
    await page.getByRole('cell', { name: /1,234,567/ }).waitFor();

    // Suspend: the slug must be typed first.
    await page.getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Suspend Lifecycle ${slug}?`).waitFor();
    const confirm = dialog.getByRole('button', { name: 'Suspend' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill('not-the-slug');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(slug);
    await confirm.click();
    await page.locator('.page-head .badge', { hasText: 'Suspended' }).waitFor();
    expect((await tenantState(id)).status).toBe('suspended');

    // Restore.
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.locator('.page-head .badge', { hasText: 'Active' }).waitFor();
    expect((await tenantState(id)).status).toBe('active');

    // Cancel leaves it alone.
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await tenantState(id)).status).toBe('active');

    // Delete, typed.
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByLabel(/Type .* to confirm/).fill(slug);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator('.page-head .badge', { hasText: 'Pending deletion' }).waitFor();
    expect((await tenantState(id)).status).toBe('pending_deletion');

    // Each step is in the tenant's audit log, as the operator.
    const audit = await t.http
      .get('/admin/audit-log')
      .query({ tenant_id: id, limit: 100 })
      .set(adminAuth)
      .expect(200);
    const actions = (audit.body.data as { action: string }[]).map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'tenant.plan_overrides_set',
        'tenant.updated',
        'tenant.deletion_requested',
      ]),
    );

    // Purge, typed: the slug goes to the API as confirm_slug.
    await page.getByRole('button', { name: 'Purge now' }).click();
    await page.getByRole('dialog').getByLabel(/Type .* to confirm/).fill(slug);
    await page.getByRole('dialog').getByRole('button', { name: 'Purge now' }).click();
    await page.locator('.page-head .badge', { hasText: 'Purged' }).waitFor({ timeout: 60_000 });
    expect((await tenantState(id)).status).toBe('purged');

  });

  it('exports a tenant from its page and downloads the archive with the operator credentials', async () => {
    const slug = uniqueSlug('exp');
    const created = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: `Export ${slug}`, slug, owner_email: `owner@${slug}.example` })
      .expect(201);
    await page.goto(`${t.url}/console/tenants/${created.body.id}`);
    await page.getByText('No exports yet.').waitFor();
    // A bad range first: the API's refusal names the field.
    await page.getByLabel('From').fill('2030-01-02T00:00');
    await page.getByLabel('To (default now)').fill('2030-01-01T00:00');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.locator('#export [role="alert"]').first().waitFor();
    expect(await page.locator('#export [role="alert"]').first().textContent()).toMatch(/from|to/);

    await page.getByLabel('From').fill('2020-01-01T00:00');
    await page.getByLabel('To (default now)').fill('');
    await page.getByRole('button', { name: 'Start export' }).click();
    const download = page.getByRole('button', { name: /^Download/ });
    await download.waitFor({ timeout: 60_000 });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/\.tar\.gz$/);
    const exports = await t.http
      .get('/v1/exports')
      .set({ ...adminAuth, 'X-Tenant-ID': created.body.id as string })
      .expect(200);
    expect(exports.body.data).toEqual([expect.objectContaining({ status: 'completed' })]);
  });

  it("shows the API's field errors on the plans form, and fills it from the current version", async () => {
    const before = await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200);
    await page.getByRole('link', { name: 'Plans' }).click();
    await page.getByRole('heading', { name: 'Plans' }).waitFor();
    await page.getByRole('button', { name: 'Publish version' }).click();
    await page.locator('#field-plan-price_cents_per_month-error').waitFor();
    expect(await page.getByLabel('Price per month (cents)').getAttribute('aria-invalid')).toBe(
      'true',
    );
    const after = await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200);
    expect(after.body).toEqual(before.body);

    await page.getByLabel('Plan', { exact: true }).selectOption('growth');
    await page.getByRole('button', { name: 'Start from the current growth version' }).click();
    const growth = (before.body as { code: string; current: boolean; events_per_month: number }[]).find(
      (plan) => plan.code === 'growth' && plan.current,
    )!;
    expect(await page.getByLabel('Events per month').inputValue()).toBe(
      String(growth.events_per_month),
    );
  });

  it('shows the backups on the statistics page (here: not configured)', async () => {
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByText('Backups are not configured (BACKUP_DIR is not set).').waitFor();
  });

  it('logs out: the cookie session ends, and a reload shows the login page', async () => {
    await page.goto(`${t.url}/console`);
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(cspViolations).toEqual([]);
  });
});
