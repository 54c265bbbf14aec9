import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { anEvent } from '../support/ingestion';
import { createPlatformAdmin } from '../support/platform-admin';
import { adminAuth, createTestApp, type TestApp, uniqueSlug } from '../support/test-app';
import { OPERATOR_PASSWORD, signInToConsole } from './support/console-operator';
import { openWorkspaceSection, signInToWorkspace } from './support/workspace-pages';

jest.setTimeout(120_000);

const OWNER_PASSWORD = 'journey owner passphrase';
const VIEWER_PASSWORD = 'journey viewer passphrase';

/**
 * The issue's journey, in one browser session, with nothing made behind the pages' backs but
 * the events a customer's backend sends: the operator creates a tenant in /console, the owner
 * sets a password through the one-time link the console showed, signs in to /app, creates an
 * API key and a viewer, sees the events sent with that key in the explorer, builds a dashboard
 * and previews its embed; the viewer sees no user or key controls; the operator suspends the
 * tenant in the console and the owner's open workspace shows it on its next call.
 */
describe('journey: operator creates a tenant, its team uses the workspace, the operator suspends it', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let viewerBrowser: { context: BrowserContext; close(): Promise<void> };
  let operator: Page;
  let owner: Page;
  const slug = uniqueSlug('journey');
  const name = `Journey ${slug}`;
  const ownerEmail = `owner@${slug}.example`;
  const viewerEmail = `viewer@${slug}.example`;
  const operatorEmail = `journey-${Date.now()}@tenantry.test`;
  const now = Date.now();
  const events = ['u1', 'u2', 'u3', 'u1'].map((user, i) =>
    anEvent({
      event_type: 'page_view',
      user_id: user,
      timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    }),
  );
  let passwordSetLink = '';
  let apiKey = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    await createPlatformAdmin(operatorEmail, OPERATOR_PASSWORD);
    browser = await launchChromium();
    // The operator's and the owner's pages share a profile (their refresh cookies have other
    // names and paths); the viewer gets a browser of their own, as another person would.
    operator = await browser.context.newPage();
    owner = await browser.context.newPage();
    for (const page of [operator, owner])
      page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await viewerBrowser?.close();
    await browser?.close();
    await t?.close();
  });

  it('the operator creates the tenant in the console and is shown the owner link once', async () => {
    await signInToConsole(operator, t.url, operatorEmail);
    await operator.getByRole('link', { name: 'Create tenant' }).click();
    await operator.getByRole('heading', { name: 'Create tenant' }).waitFor();
    await operator.getByLabel('Name').fill(name);
    await operator.getByLabel('Slug').fill(slug);
    await operator.getByLabel("Owner's email").fill(ownerEmail);
    await operator.getByLabel('Tier').selectOption('growth');
    await operator.getByRole('button', { name: 'Create tenant' }).click();
    await operator.getByRole('heading', { name: 'Tenant created' }).waitFor();
    passwordSetLink = ((await operator.locator('#password-set-link').textContent()) ?? '').trim();
    expect(passwordSetLink).toMatch(new RegExp(`^${t.url}/app/set-password#token=.+`));
  });

  it('the owner sets a password through the link and signs in to /app', async () => {
    await owner.goto(passwordSetLink);
    await owner.getByRole('heading', { name: 'Set your password' }).waitFor();
    await owner.getByLabel('New password').fill(OWNER_PASSWORD);
    await owner.getByLabel('Repeat the password').fill(OWNER_PASSWORD);
    await owner.getByRole('button', { name: 'Set password' }).click();
    await owner.getByText('Your password is set. Sign in with it.').waitFor();
    await signInToWorkspace(owner, t.url, slug, ownerEmail, OWNER_PASSWORD);
    await owner.getByRole('heading', { level: 1, name }).waitFor();
  });

  it('the owner creates an API key (read off the page) and a viewer', async () => {
    await openWorkspaceSection(owner, 'API keys');
    await owner.getByLabel('Name').fill('backend ingest');
    await owner.getByRole('button', { name: 'Create key' }).click();
    const shown = owner.getByTestId('new-api-key');
    await shown.waitFor();
    apiKey = ((await shown.textContent()) ?? '').trim();
    expect(apiKey).toMatch(/^tk_/);

    await openWorkspaceSection(owner, 'Users');
    await owner.getByLabel('Email').fill(viewerEmail);
    await owner.getByLabel('Role', { exact: true }).selectOption('viewer');
    await owner.getByLabel('Initial password').fill(VIEWER_PASSWORD);
    await owner.getByRole('button', { name: 'Add user' }).click();
    await owner.getByText(`${viewerEmail} was added.`).waitFor();
  });

  it('events sent with that key show in the explorer as the numbers sent', async () => {
    await t.http.post('/v1/events').set({ 'X-API-Key': apiKey }).send({ events }).expect(202);
    await openWorkspaceSection(owner, 'Explorer', 'Analytics explorer');
    const figure = (metric: string) => owner.locator(`[data-metric="${metric}"] .value`);
    await figure('events').waitFor();
    expect(await figure('events').getAttribute('data-value')).toBe(String(events.length));
    expect(await figure('users').getAttribute('data-value')).toBe('3');
  });

  it('the owner builds a dashboard and opens its embed preview', async () => {
    await openWorkspaceSection(owner, 'Dashboards');
    await owner.getByLabel('Name').fill('Journey board');
    await owner.getByRole('button', { name: 'Create dashboard' }).click();
    await owner.getByRole('heading', { level: 1, name: /Journey board/ }).waitFor();
    await owner.getByLabel('New widget').selectOption('breakdown');
    await owner.getByRole('button', { name: 'Add widget' }).click();
    await owner.getByRole('button', { name: 'Save dashboard' }).click();
    await owner.getByText('Saved.').waitFor();
    await owner.getByRole('button', { name: 'Preview embed' }).click();
    const frame = owner.frameLocator('[data-testid="embed-preview"]');
    await frame.locator('.kpi-value').waitFor();
    expect(await frame.locator('.kpi-value').getAttribute('data-value')).toBe(
      String(events.length),
    );
  });

  it('the viewer signs in and sees no user or key controls', async () => {
    viewerBrowser = await launchChromium();
    const viewer = await viewerBrowser.context.newPage();
    await signInToWorkspace(viewer, t.url, slug, viewerEmail, VIEWER_PASSWORD);
    await viewer.getByRole('heading', { level: 1, name }).waitFor();
    const links = await viewer
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link')
      .allTextContents();
    expect(links).not.toContain('Users');
    expect(links).not.toContain('API keys');
    expect(links).toContain('Dashboards');
    await viewer.goto(`${t.url}/app/api-keys`);
    await viewer.getByRole('alert').waitFor();
    expect(await viewer.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await viewer.goto(`${t.url}/app/users`);
    await viewer.getByRole('alert').waitFor();
    expect(await viewer.getByRole('button', { name: 'Add user' }).count()).toBe(0);
  });

  it("the operator suspends the tenant in the console; the owner's open workspace shows it on its next call", async () => {
    await operator.goto(`${t.url}/console?search=${slug}`);
    await operator.getByRole('link', { name }).click();
    await operator.getByRole('heading', { level: 1, name }).waitFor();
    await operator.getByRole('button', { name: 'Suspend' }).click();
    const dialog = operator.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Suspend' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(slug);
    await confirm.click();
    await operator.locator('.page-head .badge', { hasText: 'Suspended' }).waitFor();

    // The owner's page, open all along, learns it on its next API call.
    expect(await owner.getByTestId('tenant-status').count()).toBe(0);
    await openWorkspaceSection(owner, 'Users');
    const banner = owner.getByTestId('tenant-status');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Tenant ${slug} is suspended`);

    const detail = await t.http
      .get('/admin/tenants')
      .query({ search: slug })
      .set(adminAuth)
      .expect(200);
    expect(detail.body.data).toEqual([expect.objectContaining({ slug, status: 'suspended' })]);
  });

  it('ran without a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
