import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../embed/browser';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { adminAuth, createTenant, createTestApp, type TestApp } from '../support/test-app';
import {
  checkWorkspacePage,
  openWorkspaceSection,
  signInToWorkspace,
} from './support/workspace-pages';

jest.setTimeout(120_000);

const PASSWORD = 'workspace domains passphrase';

/**
 * The workspace's custom domains page in Chromium: the owner adds a name, reads the TXT and
 * CNAME records off the page, a check before the TXT record exists fails with its reason, and
 * once the test's DNS server answers it the name is verified. Chromium (its resolver mapped so
 * the name reaches the test app) then opens /app at that name: the tenant's user signs in with
 * the workspace field empty, another tenant's user cannot. Removing asks for the name typed.
 */
describe('/app custom domains page in Chromium', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let tenant: { id: string; slug: string };
  let other: { id: string; slug: string };
  let starter: { id: string; slug: string };
  let origin: string;
  const hostname = `app-${process.pid}-${Date.now().toString(36)}.customer.example`;

  async function addUser(tenantId: string, email: string, role: string) {
    await t.http
      .post('/v1/users')
      .set({ ...adminAuth, 'X-Tenant-ID': tenantId })
      .send({ email, role, password: PASSWORD })
      .expect(201);
  }

  /** The login page at `base`; `slug` empty leaves the workspace field empty. */
  async function signIn(base: string, slug: string, email: string) {
    await browser.context.clearCookies();
    await signInToWorkspace(page, base, slug, email, PASSWORD);
  }

  beforeAll(async () => {
    dns = await startDnsServer();
    t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', DNS_RESOLVERS: dns.address },
    });
    origin = `http://${hostname}:${new URL(t.url).port}`;
    tenant = await createTenant(t.http, { name: 'Own Domain Ltd', tier: 'enterprise' });
    other = await createTenant(t.http, { name: 'Other Domain Ltd', tier: 'enterprise' });
    starter = await createTenant(t.http, { tier: 'starter' });
    await addUser(tenant.id, 'owner@own-domain.example', 'owner');
    await addUser(tenant.id, 'analyst@own-domain.example', 'analyst');
    await addUser(other.id, 'owner@other-domain.example', 'owner');
    await addUser(starter.id, 'owner@starter-domain.example', 'owner');
    browser = await launchChromium([`--host-resolver-rules=MAP ${hostname} 127.0.0.1`]);
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await dns?.close();
  });

  it('the owner adds a name, sees the records to create, and verifies it through DNS', async () => {
    await signIn(t.url, tenant.slug, 'owner@own-domain.example');
    await openWorkspaceSection(page, 'Custom domains');
    await page.getByText('No custom domains yet').waitFor();
    await page.getByLabel('Domain name').fill(hostname);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('heading', { level: 2, name: hostname }).waitFor();
    expect(await page.getByTestId('domain-status').textContent()).toMatch(/^pending/);
    await page.getByRole('button', { name: 'Copy TXT value' }).waitFor();
    await page.getByRole('button', { name: 'Copy CNAME value' }).waitFor();

    // The records as the page shows them: the same the API answers.
    const [listed] = (
      await t.http
        .get('/v1/domains')
        .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
        .expect(200)
    ).body as {
      verification_record: { name: string; value: string };
      routing_record: { value: string };
    }[];
    expect(await page.getByTestId('record-TXT').textContent()).toBe(
      listed.verification_record.value,
    );
    expect(await page.getByTestId('record-CNAME').textContent()).toBe(listed.routing_record.value);
    await page.getByText(listed.verification_record.name).waitFor();

    // Checked before the TXT record exists: failed, with the reason.
    await page.getByRole('button', { name: `Verify now ${hostname}` }).click();
    await page.getByTestId('domain-error').waitFor();
    expect(await page.getByTestId('domain-status').textContent()).toMatch(/^failed/);

    dns.txt.set(listed.verification_record.name, [listed.verification_record.value]);
    await page.getByRole('button', { name: `Verify now ${hostname}` }).click();
    await page.getByTestId('domain-status').getByText('verified').waitFor();
    expect(await page.getByTestId('domain-error').count()).toBe(0);
    const result = await checkWorkspacePage(page, 'domains');
    expect(result).toEqual({ desktop: [], phone: [], tooWide: [] });
  });

  it("serves /app at the name: the tenant's user signs in with the workspace field empty", async () => {
    await signIn(origin, '', 'analyst@own-domain.example');
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    expect(new URL(page.url()).hostname).toBe(hostname);
    await page.getByText('Own Domain Ltd').first().waitFor();
    // An analyst holds no domains permission: no such page in the menu.
    expect(
      await page
        .getByRole('navigation', { name: 'Sections' })
        .getByRole('link', { name: 'Custom domains' })
        .count(),
    ).toBe(0);
  });

  it("another tenant's user cannot sign in there, with the field empty or naming their workspace", async () => {
    for (const slug of ['', other.slug]) {
      await signIn(origin, slug, 'owner@other-domain.example');
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('navigation', { name: 'Sections' }).count()).toBe(0);
    }
    // The same user at the platform's own address is fine.
    await signIn(t.url, other.slug, 'owner@other-domain.example');
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  });

  it('on a plan without white label the page says which plan has it', async () => {
    await signIn(t.url, starter.slug, 'owner@starter-domain.example');
    await openWorkspaceSection(page, 'Custom domains');
    const notice = page.getByRole('region', { name: 'Not in your plan' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/comes with the enterprise plan\b/);
    expect(await page.getByLabel('Domain name').count()).toBe(0);
    const result = await checkWorkspacePage(page, 'domains-not-in-plan');
    expect(result).toEqual({ desktop: [], phone: [], tooWide: [] });
  });

  it('the owner removes the name after typing it; it stops serving at once', async () => {
    await t.http.get('/tls/ask').query({ domain: hostname }).expect(200);
    await signIn(t.url, tenant.slug, 'owner@own-domain.example');
    await openWorkspaceSection(page, 'Custom domains');
    await page.getByRole('button', { name: `Remove ${hostname}` }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Remove domain' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole('textbox').fill(hostname);
    await confirm.click();
    await page.getByText('No custom domains yet').waitFor();
    const left = await t.http
      .get('/v1/domains')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(left.body).toEqual([]);
    // A reverse proxy would no longer get a certificate for it.
    await t.http.get('/tls/ask').query({ domain: hostname }).expect(404);
  });
});
