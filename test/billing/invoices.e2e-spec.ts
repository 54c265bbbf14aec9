import type { Client } from 'pg';
import { InvoiceFinaliserService } from '../../src/billing/invoices/invoice-finaliser.service';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

interface InvoiceBody {
  id: string | null;
  status: string;
  number: string | null;
  period_start: string;
  period_end: string;
  currency: string;
  lines: {
    kind: string;
    plan: string;
    quantity: number;
    unit_price_cents: number;
    amount_cents: number;
  }[];
  events_included: number;
  events_used: number;
  events_overage: number;
  total_cents: number;
  finalised_at: string | null;
}

/**
 * Invoices end to end against the real servers: plan periods and usage are put in the past
 * with the owner role (the only way to control time), then the finaliser of the running apps
 * invoices them, and the routes show them.
 *
 * Each run picks its own past months, so repeated runs on one database never meet each other's
 * invoices; the backdated plan periods are closed, so the background job (which invoices the
 * month just ended) never invoices these tenants first.
 */
describe('invoices', () => {
  let one: TestApp;
  let two: TestApp;
  let owner: Client;
  // A random March and January in 2030–2089: in the past for the calculation (all dates are
  // given), unique enough per run for /admin/invoices.
  const year = 2030 + Math.floor(Math.random() * 60);
  const march = new Date(Date.UTC(year, 2, 1));
  const april = new Date(Date.UTC(year, 3, 1));
  const may = new Date(Date.UTC(year, 4, 1));
  const january = new Date(Date.UTC(year, 0, 1));
  const february = new Date(Date.UTC(year, 1, 1));
  const midMarch = new Date(Date.UTC(year, 2, 11, 12));

  let moved: { id: string; slug: string };
  let heavy: { id: string; slug: string };

  beforeAll(async () => {
    one = await createTestApp();
    two = await createTestApp();
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    await owner.end();
    await one.close();
    await two.close();
  });

  /** Runs `sql` as the owner role in the tenant's scope, committed. */
  async function asOwner(tenantId: string, sql: string, values: unknown[]): Promise<void> {
    await owner.query('BEGIN');
    try {
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await owner.query(sql, values);
      await owner.query('COMMIT');
    } catch (error) {
      await owner.query('ROLLBACK');
      throw error;
    }
  }

  const finaliser = (t: TestApp) => t.app.get(InvoiceFinaliserService);
  const auth = (tenantId: string) => bearer(tenantToken(tenantId));
  const invoicesOf = async (tenantId: string): Promise<InvoiceBody[]> =>
    (await one.http.get('/v1/invoices').set(auth(tenantId)).expect(200)).body.data;

  it('prorates the base price by seconds over a mid-period plan change (starter → growth)', async () => {
    moved = await createTenant(one.http, { tier: 'starter' });
    await one.http
      .patch(`/admin/tenants/${moved.id}`)
      .set(adminAuth)
      .send({ plan: 'growth' })
      .expect(200);
    // Starter from 1 March to 11 March 12:00, growth from then to 1 May (closed).
    await asOwner(
      moved.id,
      `UPDATE tenant_plan_periods SET effective_from = $2, effective_until = $3
        WHERE tenant_id = $1 AND effective_until IS NOT NULL`,
      [moved.id, march, midMarch],
    );
    await asOwner(
      moved.id,
      `UPDATE tenant_plan_periods SET effective_from = $2, effective_until = $3
        WHERE tenant_id = $1 AND effective_until IS NULL`,
      [moved.id, midMarch, may],
    );

    await finaliser(one).finaliseAll(march);
    const [invoice] = await invoicesOf(moved.id);
    // March has 2,678,400 s: starter held 907,200 s, growth 1,771,200 s.
    expect(invoice).toMatchObject({
      status: 'finalised',
      number: `${moved.slug.toUpperCase()}-00001`,
      period_start: march.toISOString(),
      period_end: april.toISOString(),
      currency: 'USD',
      events_used: 0,
      // 1,000,000 × 907,200 / 2,678,400 = 338,709.7 → 338,710; 10,000,000 × … = 6,612,903.2
      events_included: 6_951_613,
      events_overage: 0,
      // 9,900 × 907,200 / 2,678,400 = 3,353.2 → 3,353; 49,900 × 1,771,200 / 2,678,400 = 32,998.4
      total_cents: 36_351,
    });
    expect(invoice.lines).toEqual([
      expect.objectContaining({
        kind: 'base',
        plan: 'starter',
        quantity: 907_200,
        unit_price_cents: 9_900,
        amount_cents: 3_353,
      }),
      expect.objectContaining({
        kind: 'base',
        plan: 'growth',
        quantity: 1_771_200,
        unit_price_cents: 49_900,
        amount_cents: 32_998,
      }),
    ]);
  });

  it('bills a growth tenant past its quota the overage, per 1,000 events, to the cent', async () => {
    heavy = await createTenant(one.http, { tier: 'growth' });
    await asOwner(
      heavy.id,
      'UPDATE tenant_plan_periods SET effective_from = $2, effective_until = $3 WHERE tenant_id = $1',
      [heavy.id, january, february],
    );
    // 12,345,678 events over three January days (and some in February, not this period's).
    const days: [string, number][] = [
      [`${year}-01-01`, 4_000_000],
      [`${year}-01-15`, 4_345_678],
      [`${year}-01-31`, 4_000_000],
      [`${year}-02-01`, 999_999],
    ];
    for (const [day, accepted] of days) {
      await asOwner(
        heavy.id,
        'INSERT INTO usage_daily (tenant_id, day, events_accepted) VALUES ($1, $2, $3)',
        [heavy.id, day, accepted],
      );
    }
    await finaliser(one).finaliseAll(january);
    const [invoice] = await invoicesOf(heavy.id);
    expect(invoice).toMatchObject({
      number: `${heavy.slug.toUpperCase()}-00001`,
      events_used: 12_345_678,
      events_included: 10_000_000,
      events_overage: 2_345_678,
      // 49,900 + 2,345,678 × 5 / 1,000 = 11,728.39 → 11,728
      total_cents: 61_628,
    });
    expect(invoice.lines).toEqual([
      expect.objectContaining({ kind: 'base', plan: 'growth', amount_cents: 49_900 }),
      expect.objectContaining({
        kind: 'overage',
        plan: 'growth',
        quantity: 2_345_678,
        unit_price_cents: 5,
        amount_cents: 11_728,
      }),
    ]);
  });

  it('finalises one invoice per tenant per period, run twice and on two instances at once, numbered 1, 2', async () => {
    await Promise.all([
      finaliser(one).finaliseAll(march),
      finaliser(two).finaliseAll(march),
      finaliser(one).finaliseAll(april),
      finaliser(two).finaliseAll(april),
    ]);
    await finaliser(two).finaliseAll(april);
    const invoices = await invoicesOf(moved.id);
    expect(invoices.map((invoice) => [invoice.period_start, invoice.number])).toEqual([
      [april.toISOString(), `${moved.slug.toUpperCase()}-00002`],
      [march.toISOString(), `${moved.slug.toUpperCase()}-00001`],
    ]);
    // April: growth all month.
    expect(invoices[0].total_cents).toBe(49_900);
    // One audit entry per invoice created, none for the repeats.
    const audit = (
      await one.http
        .get('/v1/audit-log')
        .query({ limit: '100', action: 'invoice.finalised' })
        .set(auth(moved.id))
        .expect(200)
    ).body.data as { resource_id: string }[];
    expect(audit.map((entry) => entry.resource_id).sort()).toEqual(
      invoices.map((invoice) => invoice.id).sort(),
    );
    // No plan in May: nothing to invoice.
    await finaliser(one).finaliseAll(may);
    expect(await invoicesOf(moved.id)).toHaveLength(2);
  });

  it("answers 404 for another tenant's invoice and audits the attempt in the owner's log", async () => {
    const [invoice] = await invoicesOf(heavy.id);
    await one.http.get(`/v1/invoices/${invoice.id}`).set(auth(heavy.id)).expect(200);
    await one.http.get(`/v1/invoices/${invoice.id}`).set(auth(moved.id)).expect(404);
    const attempts = (
      await one.http
        .get('/v1/audit-log')
        .query({ limit: '100', action: 'cross_tenant_attempt' })
        .set(auth(heavy.id))
        .expect(200)
    ).body.data as {
      resource_type: string;
      resource_id: string;
      details: Record<string, unknown>;
    }[];
    expect(attempts).toEqual([
      expect.objectContaining({
        resource_type: 'invoice',
        resource_id: invoice.id,
        details: expect.objectContaining({ caller_tenant_id: moved.id }),
      }),
    ]);
  });

  it('shows the current period as a draft: GET /v1/invoices/upcoming', async () => {
    const fresh = await createTenant(one.http, { tier: 'starter' });
    const now = new Date();
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const body = (await one.http.get('/v1/invoices/upcoming').set(auth(fresh.id)).expect(200))
      .body as InvoiceBody;
    expect(body).toMatchObject({
      id: null,
      status: 'draft',
      number: null,
      finalised_at: null,
      currency: 'USD',
      period_start: start.toISOString(),
      period_end: end.toISOString(),
      events_used: 0,
      events_overage: 0,
    });
    expect(body.lines).toHaveLength(1);
    const [line] = body.lines;
    expect(line).toMatchObject({ kind: 'base', plan: 'starter', unit_price_cents: 9_900 });
    // Held from its creation (just now) to the end of the month.
    const held = (end.getTime() - now.getTime()) / 1000;
    expect(Math.abs(line.quantity - held)).toBeLessThan(60);
    expect(body.total_cents).toBe(line.amount_cents);
    expect(body.total_cents).toBeLessThanOrEqual(9_900);
    // Nothing finalised yet.
    expect(await invoicesOf(fresh.id)).toEqual([]);
  });

  it('prints the invoice as escaped HTML under a strict CSP', async () => {
    const named = await createTenant(one.http, {
      tier: 'growth',
      name: `<script>alert(1)</script> & "Co"`,
    });
    await asOwner(
      named.id,
      'UPDATE tenant_plan_periods SET effective_from = $2, effective_until = $3 WHERE tenant_id = $1',
      [named.id, march, april],
    );
    await finaliser(one).finaliseAll(march);
    const [invoice] = await invoicesOf(named.id);
    const page = await one.http
      .get(`/v1/invoices/${invoice.id}`)
      .set(auth(named.id))
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain('img-src https:');
    expect(csp).not.toContain('script-src');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(page.text).toContain(`<style nonce="${nonce}">`);
    expect(page.text).not.toContain('<script');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(page.text).toContain(invoice.number);
    expect(page.text).toContain('$499.00');
    // JSON by default.
    const json = await one.http.get(`/v1/invoices/${invoice.id}`).set(auth(named.id)).expect(200);
    expect(json.body).toMatchObject({ id: invoice.id, total_cents: 49_900 });
  });

  it("/admin/invoices lists a period's invoices with their count and total; 400 naming period", async () => {
    const answer = await one.http
      .get('/admin/invoices')
      .query({ period: `${year}-03` })
      .set(adminAuth)
      .expect(200);
    const rows = answer.body.data as { tenant_id: string; number: string; total_cents: number }[];
    const mine = rows.filter((row) => row.tenant_id === moved.id);
    expect(mine).toEqual([
      expect.objectContaining({ number: `${moved.slug.toUpperCase()}-00001`, total_cents: 36_351 }),
    ]);
    expect(answer.body.period).toBe(`${year}-03`);
    expect(answer.body.count).toBe(rows.length);
    expect(answer.body.count).toBeGreaterThanOrEqual(2);
    expect(answer.body.total_cents).toBe(rows.reduce((sum, row) => sum + row.total_cents, 0));
    const totals = rows.map((row) => row.total_cents);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));

    for (const period of ['2026-13', '1999-12', '2101-01', 'abc', '2026-1', '']) {
      const refused = await one.http
        .get('/admin/invoices')
        .query({ period })
        .set(adminAuth)
        .expect(400);
      expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual([
        'period',
      ]);
    }
    const missing = await one.http.get('/admin/invoices').set(adminAuth).expect(400);
    expect(new Set(missing.body.errors.map((error: { field: string }) => error.field))).toEqual(
      new Set(['period']),
    );
    // Tenants may not call it.
    await one.http
      .get('/admin/invoices')
      .query({ period: `${year}-03` })
      .set(auth(moved.id))
      .expect((response) => expect([401, 403]).toContain(response.status));
  });
});
