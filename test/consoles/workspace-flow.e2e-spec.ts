import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { anEvent } from '../support/ingestion';
import { adminAuth, bearer, createTenant, createTestApp, TestApp } from '../support/test-app';
import { canvasInk } from '../embed/in-page';
import { checkWorkspacePage } from './support/workspace-pages';

jest.setTimeout(240_000);

const OWNER_PASSWORD = 'owner passphrase long enough';
const VIEWER_PASSWORD = 'viewer passphrase long enough';
const TEAL = '#0f766e';
const TEAL_RGB = 'rgb(15, 118, 110)';

/**
 * The tenant workspace (/app) end to end in Chromium, through the public API only: the owner
 * sets a password through the provisioning link, signs in, creates an API key (shown once) and a
 * viewer; events sent with that key show up in the explorer as the exact numbers sent; the
 * owner builds a dashboard and opens its embed preview; another tenant's ids show the API's 404;
 * the viewer sees no user or key controls (and the API refuses them anyway); an operator
 * suspends the tenant and the owner's open workspace shows it on its next call. Every page is
 * checked with axe-core at 1280 and 390 px and screenshotted.
 */
describe('/app tenant workspace in Chromium', () => {
  let t: TestApp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string; passwordSetToken: string; ownerId: string };
  let other: { id: string; slug: string; ownerId: string; passwordSetToken: string };
  const ownerEmail = () => `owner@${tenant.slug}.example`;
  const viewerEmail = 'viewer@workspace.example';
  let apiKey = '';
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  // Known events: 5 users view a page, 3 of them sign up, 2 of them buy.
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
  const events = [
    ...users.map((user, i) =>
      anEvent({ event_type: 'page_view', user_id: user, timestamp: at(60 - i) }),
    ),
    ...users
      .slice(0, 2)
      .map((user, i) => anEvent({ event_type: 'page_view', user_id: user, timestamp: at(50 - i) })),
    ...users
      .slice(0, 3)
      .map((user, i) => anEvent({ event_type: 'signup', user_id: user, timestamp: at(40 - i) })),
    ...users
      .slice(0, 2)
      .map((user, i) => anEvent({ event_type: 'purchase', user_id: user, timestamp: at(30 - i) })),
  ];

  const background = (selector: string) =>
    page.evaluate<string>(
      `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`,
    );

  async function expectClean(name: string, show?: string) {
    const result = await checkWorkspacePage(page, name, show);
    expect({ name, ...result }).toEqual({ name, desktop: [], phone: [], tooWide: [] });
  }

  async function nav(label: string, heading: string) {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: label })
      .click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /** From the login page at /app (after a logout the address stays on the last page). */
  async function signIn(email: string, password: string) {
    await page.goto(`${t.url}/app`);
    await page.getByLabel('Workspace').fill(tenant.slug);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    // Chromium resolves every *.localhost name to this machine: tenant subdomains work for real.
    t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', BASE_DOMAIN: 'tenantry.localhost' },
    });
    // Enterprise: funnels and retention, and a theme of its own (white label), are in its plan.
    tenant = await createTenant(t.http, { name: 'Workspace Flow Ltd', tier: 'enterprise' });
    other = await createTenant(t.http, { name: 'Someone Else' });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the owner sets a password through the link (asked twice) and is sent to the login page', async () => {
    await page.goto(`${t.url}/app/set-password#token=${tenant.passwordSetToken}`);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    await expectClean('set-password');

    // A mismatch is caught on the page; a short password is the API's refusal, under its field.
    await page.getByLabel('New password').fill(OWNER_PASSWORD);
    await page.getByLabel('Repeat the password').fill('something else entirely');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page
      .locator('#field-password_repeat-error')
      .getByText('The two passwords differ')
      .waitFor();
    await page.getByLabel('New password').fill('short');
    await page.getByLabel('Repeat the password').fill('short');
    await page.getByRole('button', { name: 'Set password' }).click();
    expect(await page.locator('#field-password-error').textContent()).toMatch(
      /password must be longer/,
    );

    await page.getByLabel('New password').fill(OWNER_PASSWORD);
    await page.getByLabel('Repeat the password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    await page.getByText('Your password is set. Sign in with it.').waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await expectClean('login');

    // The token was spent: the same link is refused by the API, and the page says so.
    await page.goto(`${t.url}/app/set-password#token=${tenant.passwordSetToken}`);
    await page.getByLabel('New password').fill(OWNER_PASSWORD);
    await page.getByLabel('Repeat the password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/token/i);
  });

  it('the owner signs in and sees the overview', async () => {
    await page.goto(`${t.url}/app`);
    await signIn(ownerEmail(), OWNER_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Workspace Flow Ltd' }).waitFor();
    await expectClean('overview');
  });

  it('previews a branding change live, and once saved the workspace wears it', async () => {
    const defaultHeader = await background('header.top');
    await nav('Branding', 'Branding');
    const bar = page.getByTestId('branding-preview').locator('.bar');
    await bar.waitFor();
    await page.getByLabel('Primary colour').fill(TEAL);
    expect(await background('[data-testid="branding-preview"] .bar')).toBe(TEAL_RGB);
    // Only a preview until saved.
    expect(await background('header.top')).toBe(defaultHeader);

    await page.getByLabel('Embed origins').fill('not an origin');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.locator('.field-error').first().waitFor();
    await page.getByLabel('Embed origins').fill('https://app.customer.example');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByText(/^Saved: the workspace/).waitFor();
    // The header takes the saved colour (polled from outside: the CSP refuses waitForFunction's eval).
    for (let tries = 0; tries < 50 && (await background('header.top')) !== TEAL_RGB; tries += 1) {
      await page.waitForTimeout(100);
    }
    expect(await background('header.top')).toBe(TEAL_RGB);
    await expectClean('branding');
  });

  it('creates an API key, shown once with a copy button, and never again', async () => {
    await nav('API keys', 'API keys');
    await page.getByLabel('Name').fill('server ingest');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    apiKey = ((await shown.textContent()) ?? '').trim();
    expect(apiKey).toMatch(/^tk_/);
    expect(await page.getByRole('button', { name: 'Copy key' }).isVisible()).toBe(true);
    await page.getByRole('cell', { name: 'server ingest', exact: true }).waitFor();
    await expectClean('api-keys');

    await nav('Overview', 'Workspace Flow Ltd');
    await nav('API keys', 'API keys');
    await page.getByRole('cell', { name: 'server ingest', exact: true }).waitFor();
    expect(await page.getByTestId('new-api-key').count()).toBe(0);
    expect(await page.content()).not.toContain(apiKey);

    // Revoking asks for the key's name, typed; then the API refuses the key.
    await page.getByLabel('Name').fill('short lived');
    await page.getByRole('button', { name: 'Create key' }).click();
    const revoked = ((await page.getByTestId('new-api-key').textContent()) ?? '').trim();
    await page.getByRole('button', { name: 'Revoke short lived' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this key?' });
    await dialog.getByLabel(/Type .* to confirm/).fill('short lived');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page
      .getByRole('cell', { name: 'short lived', exact: true })
      .waitFor({ state: 'detached' });
    await t.http.post('/v1/events').set({ 'X-API-Key': revoked }).send(anEvent()).expect(401);
  });

  it('adds a viewer, with the API naming a bad field under it', async () => {
    await nav('Users', 'Users');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByRole('button', { name: 'Add user' }).click();
    // The browser's own check stops a malformed email; the API's refusal of a short password shows under its field.
    await page.getByLabel('Email').fill(viewerEmail);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Initial password').fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#field-password-error').waitFor();

    await page.getByLabel('Initial password').fill(VIEWER_PASSWORD);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText(`${viewerEmail} was added.`).waitFor();
    await page.getByRole('link', { name: viewerEmail }).waitFor();
    await expectClean('users');

    // Another user's role, status and membership, each through the API.
    const temp = 'temp@workspace.example';
    await page.getByLabel('Email').fill(temp);
    await page.getByLabel('Role', { exact: true }).selectOption('analyst');
    await page.getByLabel('Initial password').fill('');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('link', { name: temp }).waitFor();
    const ownerToken = bearer(await login(ownerEmail(), OWNER_PASSWORD));
    const tempUser = async () =>
      (
        (await t.http.get('/v1/users').set(ownerToken).expect(200)).body.data as {
          email: string;
          role: string;
          status: string;
        }[]
      ).find((user) => user.email === temp);
    await page.getByLabel(`Role of ${temp}`).selectOption('admin');
    for (let tries = 0; tries < 50 && (await tempUser())?.role !== 'admin'; tries += 1)
      await page.waitForTimeout(100);
    expect((await tempUser())?.role).toBe('admin');
    await page.getByRole('button', { name: `Disable ${temp}` }).click();
    await page.getByRole('button', { name: `Enable ${temp}` }).waitFor();
    expect((await tempUser())?.status).toBe('disabled');
    await page.getByRole('button', { name: `Remove ${temp}` }).click();
    await page
      .getByRole('dialog', { name: 'Remove this user?' })
      .getByRole('button', { name: 'Remove user' })
      .click();
    await page.getByRole('link', { name: temp }).waitFor({ state: 'detached' });
    expect(await tempUser()).toBeUndefined();
  });

  it('shows the events sent with that key in the explorer, as the numbers sent', async () => {
    await t.http.post('/v1/events').set({ 'X-API-Key': apiKey }).send({ events }).expect(202);

    await nav('Explorer', 'Analytics explorer');
    const figure = (metric: string) => page.locator(`[data-metric="${metric}"] .value`);
    await figure('events').waitFor();
    expect(await figure('events').getAttribute('data-value')).toBe(String(events.length));
    expect(await figure('users').getAttribute('data-value')).toBe('5');
    await expectClean('explorer');

    // Filtered by event type, as the API's event_type parameter.
    await page.getByLabel('Event type').fill('signup');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('[data-metric="events"] .value[data-value="3"]').waitFor();
    await page.getByLabel('Event type').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator(`[data-metric="events"] .value[data-value="${events.length}"]`).waitFor();

    // Over time: the chart's own data table adds up to the events sent.
    await page.getByRole('button', { name: 'Over time' }).click();
    await page.locator('.chart canvas').waitFor();
    const values = await page
      .locator('.chart-data td.value')
      .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-value'))));
    expect(values.reduce((sum, value) => sum + value, 0)).toBe(events.length);
    // Only the intervals the API accepts for the range are offered (at most 1000 buckets).
    const intervals = () => page.getByLabel('Interval').locator('option').allTextContents();
    expect(await intervals()).toEqual(['hour', 'day', 'week']);
    await page.getByLabel('Period').selectOption('90');
    await page
      .getByLabel('Interval')
      .locator('option', { hasText: 'hour' })
      .waitFor({ state: 'detached' });
    expect(await intervals()).toEqual(['day', 'week']);
    await page.getByLabel('Period').selectOption('7');
    await page
      .getByLabel('Interval')
      .locator('option', { hasText: 'hour' })
      .waitFor({ state: 'attached' });
    await page.locator('.chart canvas').waitFor();
    // A custom range out of order is named under its field before anything is asked.
    await page.getByLabel('Period').selectOption('custom');
    const to = await page.getByLabel('To', { exact: true }).inputValue();
    await page.getByLabel('From', { exact: true }).fill(to.replace(/T.*/, 'T23:59'));
    await page.locator('#field-from-error').getByText('from must be before to').waitFor();
    expect(await page.getByLabel('From', { exact: true }).getAttribute('min')).toMatch(/^\d{4}-/);
    await page.getByLabel('Period').selectOption('7');
    await page.locator('.chart canvas').waitFor();
    // Drawn in the tenant's primary colour, as on the embed page.
    const [ink] = await page.evaluate<{ inked: number; brand: number }[]>(
      canvasInk([15, 118, 110]),
    );
    expect(ink.brand).toBeGreaterThan(50);
    await expectClean('explorer-timeseries');

    // Breakdown by event type.
    await page.getByRole('button', { name: 'Breakdown' }).click();
    await page.locator('.chart canvas').waitFor();
    const rows = await page
      .locator('.table-wrap tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
      );
    expect(rows).toEqual([
      ['page_view', '7'],
      ['signup', '3'],
      ['purchase', '2'],
    ]);

    // Funnel: 5 viewed, 3 signed up, 2 bought.
    await page.getByRole('button', { name: 'Funnel' }).click();
    await page.getByLabel('Step 1 event type').fill('page_view');
    await page.getByLabel('Step 2 event type').fill('signup');
    await page.getByRole('button', { name: 'Add a step' }).click();
    await page.getByLabel('Step 3 event type').fill('purchase');
    await page.getByRole('button', { name: 'Show funnel' }).click();
    await page.locator('.chart canvas').waitFor();
    const funnel = await page
      .locator('.table-wrap tbody tr td[data-value]')
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-value')));
    expect(funnel).toEqual(['5', '3', '2']);
    await expectClean('explorer-funnel', '.chart');

    // Retention: one cohort (today) of 5 users, all active on day 0.
    await page.getByRole('button', { name: 'Retention' }).click();
    await page.getByRole('button', { name: 'Show retention' }).click();
    await page.locator('table.retention').waitFor();
    const cohort = page.locator('table.retention tbody tr').first();
    expect(await cohort.locator('td').first().getAttribute('data-value')).toBe('5');
    expect(await cohort.locator('td.cell').first().getAttribute('data-value')).toBe('5');

    // A period with nothing in it says so instead of drawing a blank chart.
    await page.getByRole('button', { name: 'Summary' }).click();
    await page.getByLabel('Event type').fill('never_sent');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events in this period').waitFor();
    await page.getByRole('button', { name: 'Over time' }).click();
    await page.getByText('No events in this period').waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(0);
  });

  it('builds a dashboard, makes it the default and opens its embed preview', async () => {
    await nav('Dashboards', 'Dashboards');
    await expectClean('dashboards');
    await page.getByLabel('Name').fill('Sales overview');
    await page.getByRole('button', { name: 'Create dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: /Sales overview/ }).waitFor();
    expect(await page.getByTestId('widget').count()).toBe(1);

    // Add a breakdown and a timeseries, then put the timeseries first.
    await page.getByLabel('New widget').selectOption('breakdown');
    await page.getByRole('button', { name: 'Add widget' }).click();
    await page.getByLabel('New widget').selectOption('timeseries');
    await page.getByRole('button', { name: 'Add widget' }).click();
    await page.locator('#field-widgets\\.1\\.title').fill('Event types');
    await page.locator('#field-widgets\\.2\\.title').fill('Events per day');
    await page.getByRole('button', { name: 'Move up Events per day' }).click();
    await page.getByRole('button', { name: 'Move up Events per day' }).click();
    // A bad option is the API's refusal, under the widget's own field (the breakdown is now third).
    const dimension = page.locator('#field-widgets\\.2\\.options\\.dimension');
    await dimension.fill('country');
    await page.getByRole('button', { name: 'Save dashboard' }).click();
    await page
      .locator('#field-widgets\\.2\\.options\\.dimension-error')
      .getByText('dimension must be event_type, user_id or property.<key>')
      .waitFor();
    await dimension.fill('event_type');
    await page.getByRole('button', { name: 'Save dashboard' }).click();
    await page.getByText('Saved.').waitFor();

    const dashboardId = new URL(page.url()).pathname.split('/').pop() as string;
    const ownerToken = await login(ownerEmail(), OWNER_PASSWORD);
    const dashboard = await t.http
      .get(`/v1/dashboards/${dashboardId}`)
      .set(bearer(ownerToken))
      .expect(200);
    expect(
      dashboard.body.widgets.map((w: { kind: string; title: string }) => [w.kind, w.title]),
    ).toEqual([
      ['timeseries', 'Events per day'],
      ['kpi', 'Events'],
      ['breakdown', 'Event types'],
    ]);

    await page.getByRole('button', { name: 'Make default' }).click();
    await page.locator('h1 .badge', { hasText: 'default' }).waitFor();
    expect(
      (await t.http.get(`/v1/dashboards/${dashboardId}`).set(bearer(ownerToken))).body.is_default,
    ).toBe(true);

    // The snippet names this dashboard and asks for a guest token server side.
    const snippet = (await page.getByLabel('Embed snippet').textContent()) ?? '';
    expect(snippet).toContain(`dashboard_id: '${dashboardId}'`);
    expect(snippet).toContain('/v1/guest-token');
    expect(snippet).toContain('<iframe');

    await page.getByRole('button', { name: 'Preview embed' }).click();
    const frame = page.frameLocator('[data-testid="embed-preview"]');
    await frame.locator('.kpi-value').waitFor();
    expect(await frame.locator('.kpi-value').getAttribute('data-value')).toBe(
      String(events.length),
    );
    await expectClean('dashboard-editor', '[data-testid="embed-preview"]');

    // Deleting asks for the dashboard's name, typed; the list then goes without it.
    await nav('Dashboards', 'Dashboards');
    await page.getByLabel('Name').fill('Scratch');
    await page.getByRole('button', { name: 'Create dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Scratch' }).waitFor();
    await page.getByRole('button', { name: 'Delete dashboard' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this dashboard?' });
    await dialog.getByLabel(/Type .* to confirm/).fill('Scratch');
    await dialog.getByRole('button', { name: 'Delete dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboards' }).waitFor();
    await page.getByRole('link', { name: 'Sales overview' }).waitFor();
    expect(await page.getByRole('link', { name: 'Scratch' }).count()).toBe(0);
  });

  it("shows the API's 404 message for another tenant's dashboard or user in the URL", async () => {
    const ownerToken = await login(ownerEmail(), OWNER_PASSWORD);
    const adminAsOther = { ...adminAuth, 'X-Tenant-ID': other.id };
    const foreignDashboard = (await t.http.get('/v1/dashboards').set(adminAsOther).expect(200)).body
      .data[0].id;
    const apiAnswer = await t.http
      .get(`/v1/dashboards/${foreignDashboard}`)
      .set(bearer(ownerToken))
      .expect(404);

    await page.goto(`${t.url}/app/dashboards/${foreignDashboard}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-status')).toBe('404');
    expect((await alert.textContent())?.trim()).toBe(apiAnswer.body.message);

    const userAnswer = await t.http
      .get(`/v1/users/${other.ownerId}`)
      .set(bearer(ownerToken))
      .expect(404);
    await page.goto(`${t.url}/app/users/${other.ownerId}`);
    await page.getByRole('alert').waitFor();
    expect((await page.getByRole('alert').textContent())?.trim()).toBe(userAnswer.body.message);

    await page.goto(`${t.url}/app/users/${tenant.ownerId}`);
    await page.getByRole('heading', { level: 1, name: ownerEmail() }).waitFor();
    await expectClean('user');
  });

  it('the remaining pages work and pass the accessibility check', async () => {
    await page.goto(`${t.url}/app`);
    await page.getByRole('heading', { level: 1, name: 'Workspace Flow Ltd' }).waitFor();

    await nav('Settings', 'Settings');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#field-timezone-error').waitFor();
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    await page.getByRole('heading', { name: 'Delete this workspace' }).waitFor();
    await expectClean('settings');

    await nav('Usage and invoices', 'Usage and invoices');
    const accepted = page.locator('[data-metric="events-accepted"] .value');
    await accepted.waitFor();
    expect(await accepted.getAttribute('data-value')).toBe(String(events.length));
    await page.getByRole('heading', { name: 'Upcoming invoice' }).waitFor();
    await page.getByText(/No invoices yet/).waitFor();
    await expectClean('usage');

    await nav('Audit log', 'Audit log');
    await page.getByRole('cell', { name: 'api_key.created' }).first().waitFor();
    await page.getByLabel('Action').fill('user.created');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(/^Page 1 of 1/).waitFor();
    await page
      .getByRole('cell', { name: 'api_key.created' })
      .first()
      .waitFor({ state: 'detached' });
    const actions = await page.locator('tbody td:nth-child(2) code').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['user.created']));
    await expectClean('audit-log');

    await nav('Exports', 'Exports');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.getByRole('button', { name: /^Download/ }).waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Download/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^export-.*\.tar\.gz$/);
    await expectClean('exports');
  });

  it('the viewer sees no user or key controls, and the API refuses them anyway', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    // By keyboard alone: Tab reaches each field in order, with a visible focus ring; Enter signs in.
    await page.goto(`${t.url}/app`);
    await page.getByLabel('Workspace').waitFor();
    const focused = () =>
      page.evaluate<{ id: string; outline: string }>(
        `({ id: document.activeElement.id || document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })`,
      );
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'field-tenant', outline: 'solid' });
    await page.keyboard.type(tenant.slug);
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('field-email');
    await page.keyboard.type(viewerEmail);
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('field-password');
    await page.keyboard.type(VIEWER_PASSWORD);
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'Sign in', outline: 'solid' });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Workspace Flow Ltd' }).waitFor();
    const sections = page.getByRole('navigation', { name: 'Sections' });
    const links = await sections.getByRole('link').allTextContents();
    expect(links).toEqual([
      'Overview',
      'Explorer',
      'Dashboards',
      'Branding',
      'Settings',
      'Usage and invoices',
    ]);

    // Typed in by hand, the pages show the API's refusal and no controls.
    await page.goto(`${t.url}/app/users`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    await page.goto(`${t.url}/app/api-keys`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);

    await page.goto(`${t.url}/app/dashboards`);
    await page.getByRole('link', { name: 'Sales overview' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create dashboard' }).count()).toBe(0);
    await page.goto(`${t.url}/app/settings`);
    await page.getByLabel('Time zone').waitFor();
    expect(await page.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Delete this workspace' }).count()).toBe(0);
    await expectClean('settings-viewer');

    const viewer = bearer(await login(viewerEmail, VIEWER_PASSWORD));
    await t.http.get('/v1/users').set(viewer).expect(403);
    await t.http
      .post('/v1/users')
      .set(viewer)
      .send({ email: 'x@workspace.example', role: 'admin' })
      .expect(403);
    await t.http.get('/v1/api-keys').set(viewer).expect(403);
    await t.http
      .post('/v1/api-keys')
      .set(viewer)
      .send({ name: 'sneaky', scopes: ['events:write'] })
      .expect(403);
  });

  it("signs in from the tenant's subdomain with the workspace field left empty", async () => {
    const port = new URL(t.url).port;
    const onSubdomain = await browser.context.newPage();
    try {
      await onSubdomain.goto(`http://${tenant.slug}.tenantry.localhost:${port}/app`);
      await onSubdomain.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
      expect(await onSubdomain.getByLabel('Workspace').inputValue()).toBe('');
      await onSubdomain.getByLabel('Email').fill(viewerEmail);
      await onSubdomain.getByLabel('Password', { exact: true }).fill('not the password at all');
      await onSubdomain.getByRole('button', { name: 'Sign in' }).click();
      await onSubdomain.getByRole('alert').getByText('Invalid credentials').waitFor();
      await onSubdomain.getByLabel('Password', { exact: true }).fill(VIEWER_PASSWORD);
      await onSubdomain.getByRole('button', { name: 'Sign in' }).click();
      await onSubdomain.getByRole('heading', { level: 1, name: 'Workspace Flow Ltd' }).waitFor();
      expect(await onSubdomain.locator('header.top .account').textContent()).toContain(viewerEmail);
    } finally {
      await onSubdomain.close();
    }
  });

  it("an operator suspends the tenant: the owner's open workspace shows it on its next call", async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await signIn(ownerEmail(), OWNER_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Workspace Flow Ltd' }).waitFor();
    await nav('Explorer', 'Analytics explorer');
    await page.locator('[data-metric="events"] .value').waitFor();
    expect(await page.getByTestId('tenant-status').count()).toBe(0);

    const suspended = await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);
    expect(suspended.body.status).toBe('suspended');

    await nav('Users', 'Users');
    const banner = page.getByTestId('tenant-status');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(
      `Tenant ${tenant.slug} is suspended; contact the platform operator`,
    );
    await expectClean('suspended');

    // Restored, the next call clears the banner.
    await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ status: 'active' })
      .expect(200);
    await nav('Dashboards', 'Dashboards');
    await page.getByRole('link', { name: 'Sales overview' }).waitFor();
    expect(await page.getByTestId('tenant-status').count()).toBe(0);
  });

  it("a starter tenant sees its plan's refusal as the API words it (no suspension banner), and slow answers show loading", async () => {
    await t.http
      .post('/auth/password')
      .send({ token: other.passwordSetToken, password: OWNER_PASSWORD })
      .expect(204);
    // A browser of its own: the refresh cookie is per host, and this tenant must not replace the other's.
    const second = await launchChromium();
    try {
      const starter = await second.context.newPage();
      await starter.goto(`${t.url}/app?tenant=${other.slug}`);
      await starter.getByLabel('Email').fill(`owner@${other.slug}.example`);
      await starter.getByLabel('Password', { exact: true }).fill(OWNER_PASSWORD);
      await starter.getByRole('button', { name: 'Sign in' }).click();
      await starter.getByRole('heading', { level: 1, name: 'Someone Else' }).waitFor();

      await starter.getByRole('link', { name: 'Explorer' }).click();
      await starter.getByRole('button', { name: 'Funnel' }).click();
      await starter.getByLabel('Step 1 event type').fill('page_view');
      await starter.getByLabel('Step 2 event type').fill('signup');
      await starter.getByRole('button', { name: 'Show funnel' }).click();
      const refusal = starter.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.getAttribute('data-status')).toBe('403');
      expect(await refusal.textContent()).toContain(
        'The starter plan does not include funnels_retention',
      );
      expect(await starter.getByTestId('tenant-status').count()).toBe(0);

      // An answer slower than 200 ms shows "Loading…" until it comes.
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await starter.route('**/v1/users?**', async (route) => {
        await held;
        await route.continue();
      });
      await starter.getByRole('link', { name: 'Users' }).click();
      await starter.getByRole('status').getByText('Loading…').waitFor();
      release();
      await starter.getByRole('link', { name: `owner@${other.slug}.example` }).waitFor();
      expect(await starter.getByText('Loading…').count()).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('the owner requests deletion: password re-entered, slug typed, then every session ends', async () => {
    await nav('Settings', 'Settings');
    const password = page.locator('#field-password');
    await password.fill('not my password at all');
    await page.getByRole('button', { name: 'Request deletion' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the workspace?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete workspace' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(tenant.slug);
    expect(await confirm.isDisabled()).toBe(false);
    await expectClean('deletion-dialog');
    await confirm.click();
    // The API's refusal of the wrong password, under the field it names.
    await page.locator('#field-password-error').waitFor();

    await password.fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Request deletion' }).click();
    await dialog.getByLabel(/Type .* to confirm/).fill(tenant.slug);
    await dialog.getByRole('button', { name: 'Delete workspace' }).click();
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    const detail = await t.http.get(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    expect(detail.body.status).toBe('pending_deletion');

    // Signing in again is refused with the API's own words (which do not say whether the tenant exists).
    await signIn(ownerEmail(), OWNER_PASSWORD);
    await page.getByRole('alert').getByText('Invalid credentials').waitFor();
  });

  it('ran under the CSP with nothing refused and no script error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  async function login(email: string, password: string): Promise<string> {
    const answer = await t.http
      .post('/auth/login')
      .send({ tenant: tenant.slug, email, password })
      .expect(200);
    return answer.body.access_token as string;
  }
});
