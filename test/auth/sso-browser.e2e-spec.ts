import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { checkWorkspacePage } from '../consoles/support/workspace-pages';
import { launchChromium } from '../embed/browser';
import { startIdp, type TestIdp } from '../support/oidc/oidc-flow';
import {
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
} from '../support/test-app';

jest.setTimeout(120_000);

const ARTIFACTS = join(__dirname, '..', 'artifacts');

/**
 * SSO in a real browser (Debian's headless Chromium): from /auth/sso/start through the local
 * OpenID Provider's login form (on localhost, another site than the app's 127.0.0.1, so the
 * return is the cross-site redirect a real IdP makes) back to /app/, where the page's own
 * fetch of /auth/refresh gets an access token from the httpOnly cookie it cannot read.
 */
describe('SSO login in Chromium', () => {
  let t: TestApp;
  let idp: TestIdp;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    idp = await startIdp({
      clientId: 'tenantry-browser',
      clientSecret: 'browser client secret 0123456789',
      redirectUris: [`${t.url}/auth/sso/callback`],
      emailInIdToken: true,
    });
    tenant = await createTenant(t.http, { tier: 'enterprise' });
    await t.http
      .put('/v1/sso')
      .set(bearer(tenantToken(tenant.id)))
      .send({
        issuer: idp.issuer,
        client_id: 'tenantry-browser',
        client_secret: 'browser client secret 0123456789',
        default_role: 'viewer',
        password_login_enabled: true,
      })
      .expect(200);
    browser = await launchChromium();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    await t?.close();
  });

  it('starts from the /app login page button, logs in at the IdP and lands on the page asked for, with a session only the refresh route can use', async () => {
    const email = `browser@${tenant.slug}.example`;
    // Asked for a workspace page while signed out: the login page, which learns from
    // /auth/login-options, once the workspace is typed, that this tenant offers SSO.
    await page.goto(`${t.url}/app/dashboards`);
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with SSO' }).count()).toBe(0);
    await page.getByLabel('Workspace').fill(tenant.slug);
    const sso = page.getByRole('link', { name: 'Sign in with SSO' });
    await sso.waitFor();
    expect(await sso.getAttribute('href')).toBe(
      `/auth/sso/start?tenant=${tenant.slug}&return_to=${encodeURIComponent('/app/dashboards')}`,
    );
    // Password login is on: the form is there, not folded away.
    expect(await page.getByLabel('Password', { exact: true }).isVisible()).toBe(true);
    await sso.click();
    // The provider's own pages: sign in, then consent.
    expect(page.url().startsWith(`${idp.issuer}/interaction/`)).toBe(true);
    await page.locator('input[name="login"]').fill(email);
    await page.locator('input[name="password"]').fill('any password at all');
    await page.locator('button[type="submit"]').click();
    await page.locator('button', { hasText: 'Continue' }).click();
    await page.waitForURL(`${t.url}/app/dashboards`);
    // The workspace signed itself in from the refresh cookie: the SSO user is shown.
    await page.getByText(email).first().waitFor();
    await page.waitForLoadState('networkidle');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'sso-landing.png') });

    // The refresh cookie: httpOnly, SameSite=Strict, scoped to /auth; the page cannot read it.
    const cookies = await browser.context.cookies(`${t.url}/auth/sso/callback`);
    const refresh = cookies.find((cookie) => cookie.name === 'tenantry_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    // The login state cookie was single use: gone after the callback.
    expect(cookies.find((cookie) => cookie.name === 'tenantry_sso')).toBeUndefined();
    expect(await page.evaluate<string>('document.cookie')).not.toContain('tenantry_refresh');

    // The page's own same-origin request turns the cookie into an access token.
    const answer = await page.evaluate(async () => {
      const response = await fetch('/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    });
    expect(answer.status).toBe(200);
    expect(answer.body.refresh_token).toBeUndefined();
    const me = await t.http
      .get('/auth/me')
      .set(bearer(answer.body.access_token as string))
      .expect(200);
    expect(me.body).toMatchObject({ tenant: { id: tenant.id }, role: 'viewer', user: { email } });
  });

  it("with password login off, the login page leads with SSO and folds the owners' password form away", async () => {
    // The SSO login above succeeded, so the API now lets the owner turn password login off.
    await t.http
      .put('/v1/sso')
      .set(bearer(tenantToken(tenant.id)))
      .send({
        issuer: idp.issuer,
        client_id: 'tenantry-browser',
        default_role: 'viewer',
        password_login_enabled: false,
      })
      .expect(200);
    await browser.context.clearCookies();
    await page.goto(`${t.url}/app/login?tenant=${tenant.slug}`);
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    const password = page.getByLabel('Password', { exact: true });
    expect(await password.isVisible()).toBe(false);
    await page.getByText('Owner sign-in with password').click();
    expect(await password.isVisible()).toBe(true);
    expect(await checkWorkspacePage(page, 'login-sso')).toEqual({
      desktop: [],
      phone: [],
      tooWide: [],
    });
  });

  it.each([
    ['sso_denied', /identity provider did not let you in/],
    ['sso_expired', /took too long or was already used/],
    ['sso_user_limit', /user limit/],
    ['sso_email_unverified', /not verified your email/],
  ])('/app/login?error=%s says what went wrong', async (code, message) => {
    await browser.context.clearCookies();
    await page.goto(`${t.url}/app/login?error=${code}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(message);
    if (code === 'sso_denied') {
      expect(await checkWorkspacePage(page, 'login-sso-error')).toEqual({
        desktop: [],
        phone: [],
        tooWide: [],
      });
    }
  });
});
