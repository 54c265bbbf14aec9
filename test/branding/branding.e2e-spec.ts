import type { Client } from 'pg';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const THEME = {
  primary_color: '#0f766e',
  accent_color: '#f97316',
  background_color: '#ffffff',
  text_color: '#111827',
  logo_url: 'https://cdn.customer.example/logo.svg',
  embed_origins: ['https://app.customer.example', 'https://customer.example:8443'],
};

/** /v1/branding: defaults, validation, permissions, and isolation at the HTTP and SQL levels. */
describe('/v1/branding', () => {
  let t: TestApp;
  let sql: Client;
  let tenant: { id: string };
  let other: { id: string };
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    sql = await connectAs('app');
    // Enterprise: a theme of its own needs white label (test/billing covers the other plans).
    tenant = await createTenant(t.http, { tier: 'enterprise' });
    other = await createTenant(t.http, { tier: 'enterprise' });
    auth = bearer(tenantToken(tenant.id));
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  it('answers the defaults until the tenant saves a theme, then the theme; audited', async () => {
    const before = await t.http.get('/v1/branding').set(auth).expect(200);
    expect(before.body).toEqual({
      primary_color: '#4f46e5',
      accent_color: '#f59e0b',
      background_color: '#ffffff',
      text_color: '#111827',
      logo_url: null,
      embed_origins: [],
      customized: false,
      updated_at: null,
    });
    const saved = await t.http.put('/v1/branding').set(auth).send(THEME).expect(200);
    expect(saved.body).toMatchObject({ ...THEME, customized: true });
    const again = await t.http
      .put('/v1/branding')
      .set(auth)
      .send({ ...THEME, logo_url: null, embed_origins: [] })
      .expect(200);
    expect(again.body).toMatchObject({ logo_url: null, embed_origins: [] });
    await t.http.put('/v1/branding').set(auth).send(THEME).expect(200);
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'branding.updated' })
      .set(auth)
      .expect(200);
    expect(log.body.data).toHaveLength(3);
  });

  it('refuses bad colours, logo URLs and origins with 400 naming each field', async () => {
    const bad = await t.http
      .put('/v1/branding')
      .set(auth)
      .send({
        primary_color: 'red',
        accent_color: '#F97316',
        background_color: '#fff',
        text_color: '#1111111',
        logo_url: 'http://insecure.example/logo.png',
        embed_origins: ['https://app.customer.example/path'],
      })
      .expect(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'accent_color',
      'background_color',
      'embed_origins',
      'logo_url',
      'primary_color',
      'text_color',
    ]);
    for (const origin of [
      '*',
      'https://*.customer.example',
      'https://app.customer.example/',
      'http://app.customer.example',
      'https://app.customer.example; script-src *',
      "https://a.example 'unsafe-inline'",
      'javascript:alert(1)',
      'HTTPS://APP.EXAMPLE',
      'https://app.example:99999',
    ]) {
      const response = await t.http
        .put('/v1/branding')
        .set(auth)
        .send({ ...THEME, embed_origins: [origin] });
      expect({ origin, status: response.status }).toEqual({ origin, status: 400 });
    }
    await t.http
      .put('/v1/branding')
      .set(auth)
      .send({ ...THEME, embed_origins: ['http://localhost:5173', 'http://127.0.0.1'] })
      .expect(200);
  });

  it('lets viewers read and only settings:write change it', async () => {
    const viewer = bearer(tenantToken(tenant.id, { claims: { role: 'viewer' } }));
    await t.http.get('/v1/branding').set(viewer).expect(200);
    const refused = await t.http.put('/v1/branding').set(viewer).send(THEME).expect(403);
    expect(refused.body.message).toBe('Missing permission: settings:write');
  });

  it("keeps each tenant's theme to itself over HTTP", async () => {
    await t.http.put('/v1/branding').set(auth).send(THEME).expect(200);
    const theirs = await t.http
      .get('/v1/branding')
      .set(bearer(tenantToken(other.id)))
      .expect(200);
    expect(theirs.body.customized).toBe(false);
    expect(theirs.body.primary_color).toBe('#4f46e5');
    // X-Tenant-ID cannot point a tenant credential at another tenant.
    await t.http
      .get('/v1/branding')
      .set({ ...auth, 'X-Tenant-ID': other.id })
      .expect(403);
  });

  it('is invisible and unwritable to the app role under another tenant (RLS)', async () => {
    await t.http.put('/v1/branding').set(auth).send(THEME).expect(200);
    await asTenant(sql, other.id, async () => {
      const { rows } = await sql.query('SELECT * FROM tenant_branding WHERE tenant_id = $1', [
        tenant.id,
      ]);
      expect(rows).toEqual([]);
      const updated = await sql.query(
        "UPDATE tenant_branding SET primary_color = '#000000' WHERE tenant_id = $1",
        [tenant.id],
      );
      expect(updated.rowCount).toBe(0);
      expect(
        await sqlState(
          sql,
          "INSERT INTO tenant_branding (tenant_id, primary_color, accent_color, background_color, text_color) VALUES ($1, '#000000', '#000000', '#000000', '#000000')",
          [tenant.id],
        ),
      ).toBe('42501');
      expect(await sqlState(sql, 'DELETE FROM tenant_branding')).toBe('42501');
    });
    await asTenant(sql, tenant.id, async () => {
      const { rows } = await sql.query('SELECT primary_color FROM tenant_branding');
      expect(rows).toEqual([{ primary_color: '#0f766e' }]);
    });
    // No tenant set: nothing at all.
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM tenant_branding');
    expect(rows[0].n).toBe(0);
  });

  it('keeps dashboards apart at the SQL level too', async () => {
    await asTenant(sql, other.id, async () => {
      const { rows } = await sql.query('SELECT tenant_id FROM dashboards');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row: { tenant_id: string }) => row.tenant_id === other.id)).toBe(true);
      const moved = await sql.query('UPDATE dashboards SET name = $1 WHERE tenant_id = $2', [
        'stolen',
        tenant.id,
      ]);
      expect(moved.rowCount).toBe(0);
      expect(
        await sqlState(sql, "INSERT INTO dashboards (tenant_id, name) VALUES ($1, 'planted')", [
          tenant.id,
        ]),
      ).toBe('42501');
    });
  });
});
