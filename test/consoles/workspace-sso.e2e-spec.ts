import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { startIdp, type TestIdp } from '../support/oidc/oidc-flow';
import { adminAuth, createTenant, createTestApp, type TestApp } from '../support/test-app';
import {
  checkWorkspacePage,
  openWorkspaceSection,
  signInToWorkspace,
} from './support/workspace-pages';

jest.setTimeout(120_000);

const PASSWORD = 'workspace sso passphrase';
const SECRET = 'sso page client secret 0123456789';

/**
 * The workspace's single sign-on page in Chromium against a real local OpenID Provider: the
 * owner configures it (the redirect URI to register is shown; the secret is write-only), the
 * API's 409 for password login off before any SSO login is shown as it comes; an admin reads it
 * without a form to change it; a viewer has no such page; a plan without SSO says which plan has it.
 */
describe('/app single sign-on page in Chromium', () => {
  let t: TestApp;
  let idp: TestIdp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string };
  let starter: { id: string; slug: string };

  async function addUser(tenantId: string, email: string, role: string) {
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenantId })
      .send({ email, role, password: PASSWORD })
      .expect(201);
  }

  async function signIn(slug: string, email: string) {
    await browser.context.clearCookies();
    await signInToWorkspace(page, t.url, slug, email, PASSWORD);
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    idp = await startIdp({
      clientId: 'tenantry-sso-page',
      clientSecret: SECRET,
      redirectUris: [`${t.url}/auth/sso/callback`],
      emailInIdToken: true,
    });
    tenant = await createTenant(t.http, { tier: 'growth' });
    starter = await createTenant(t.http, { tier: 'starter' });
    await addUser(tenant.id, 'owner@sso-page.example', 'owner');
    await addUser(tenant.id, 'admin@sso-page.example', 'admin');
    await addUser(tenant.id, 'viewer@sso-page.example', 'viewer');
    await addUser(starter.id, 'owner@starter-sso.example', 'owner');
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    await t?.close();
  });

  it('the owner configures the identity provider; the secret is stored, never shown', async () => {
    await signIn(tenant.slug, 'owner@sso-page.example');
    await openWorkspaceSection(page, 'Single sign-on');
    expect(await page.getByTestId('sso-redirect-uri').textContent()).toBe(
      `${t.url}/auth/sso/callback`,
    );
    await page.getByRole('button', { name: 'Copy redirect URI' }).waitFor();
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill('tenantry-sso-page');
    expect(await page.getByLabel('Client secret').getAttribute('type')).toBe('password');
    await page.getByLabel('Client secret').fill(SECRET);
    await page.getByLabel('Role of new users').selectOption('analyst');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Single sign-on saved.').waitFor();
    await page.getByText('A secret is stored').waitFor();
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(SECRET);

    const stored = await t.http
      .get('/v1/sso')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(stored.body).toMatchObject({
      configured: true,
      issuer: idp.issuer,
      client_id: 'tenantry-sso-page',
      client_secret_set: true,
      default_role: 'analyst',
      password_login_enabled: true,
    });
    const result = await checkWorkspacePage(page, 'sso');
    expect(result).toEqual({ desktop: [], phone: [], tooWide: [] });
  });

  it("turning password login off before any SSO login shows the API's 409 and changes nothing", async () => {
    await page.getByLabel('Password login for everyone').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/SSO login/i);
    const stored = await t.http
      .get('/v1/sso')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(stored.body.password_login_enabled).toBe(true);
  });

  it('an admin reads the configuration without a form to change it; a viewer has no such page', async () => {
    await signIn(tenant.slug, 'admin@sso-page.example');
    await openWorkspaceSection(page, 'Single sign-on');
    await page.getByText('Only an owner can change single sign-on').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.getByLabel('Client secret').count()).toBe(0);
    expect(await page.getByLabel('Issuer URL').inputValue()).toBe(idp.issuer);
    await page.getByRole('button', { name: 'Remove single sign-on' }).waitFor();

    await signIn(tenant.slug, 'viewer@sso-page.example');
    expect(
      await page
        .getByRole('navigation', { name: 'Sections' })
        .getByRole('link', { name: 'Single sign-on' })
        .count(),
    ).toBe(0);
  });

  it('on a plan without SSO the page says which plans include it instead of a form', async () => {
    await signIn(starter.slug, 'owner@starter-sso.example');
    await openWorkspaceSection(page, 'Single sign-on');
    const notice = page.getByRole('region', { name: 'Not in your plan' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/comes with the growth or enterprise plans/);
    expect(await notice.textContent()).toMatch(/starter plan/);
    expect(await page.getByLabel('Issuer URL').count()).toBe(0);
    const result = await checkWorkspacePage(page, 'sso-not-in-plan');
    expect(result).toEqual({ desktop: [], phone: [], tooWide: [] });
  });

  it('the owner removes it after confirming; the login page offers no SSO any more', async () => {
    await signIn(tenant.slug, 'owner@sso-page.example');
    await openWorkspaceSection(page, 'Single sign-on');
    await page.getByRole('button', { name: 'Remove single sign-on' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Single sign-on removed').waitFor();
    const stored = await t.http
      .get('/v1/sso')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(stored.body.configured).toBe(false);

    await browser.context.clearCookies();
    const options = page.waitForResponse((response) =>
      response.url().includes('/auth/login-options'),
    );
    await page.goto(`${t.url}/app/login?tenant=${tenant.slug}`);
    expect(await (await options).json()).toEqual({ password_login: true, sso: false });
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with SSO' }).count()).toBe(0);
  });
});
