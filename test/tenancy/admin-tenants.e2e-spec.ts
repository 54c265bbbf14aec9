import { adminAuth, createTenant, createTestApp, TestApp, uniqueSlug } from '../support/test-app';

describe('/admin/tenants', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('provisions a tenant with default settings and returns it', async () => {
    const slug = uniqueSlug('acme');
    const created = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'Acme Corp', slug, tier: 'growth', owner_email: 'founder@acme.example' })
      .expect(201);
    expect(created.body.owner).toEqual({ id: expect.any(String), email: 'founder@acme.example' });
    expect(created.body.password_set_token).toMatch(/^pst_[0-9a-f]{32}_[\w-]{43}$/);
    expect(created.body).toMatchObject({
      name: 'Acme Corp',
      slug,
      tier: 'growth',
      status: 'active',
      deleted_at: null,
    });

    const settings = await t.http
      .get('/v1/settings')
      .set({ ...adminAuth, 'X-Tenant-ID': created.body.id })
      .expect(200);
    expect(settings.body).toMatchObject({
      tenant_id: created.body.id,
      timezone: 'UTC',
      locale: 'en',
      currency: 'USD',
      date_format: 'YYYY-MM-DD',
    });
  });

  it('refuses a taken slug with 409 naming the field, and a reserved one with 400', async () => {
    const { slug } = await createTenant(t.http);
    const taken = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'Again', slug, owner_email: 'again@acme.example' })
      .expect(409);
    expect(taken.body.errors).toEqual([
      { field: 'slug', message: expect.stringContaining('taken') },
    ]);
    const reserved = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'W', slug: 'www', owner_email: 'w@acme.example' })
      .expect(400);
    expect(reserved.body.errors[0].field).toBe('slug');
  });

  it('lists with pagination, filters by status and tier, and searches by name', async () => {
    const marker = `Zebra${Date.now()}`;
    const growth = await createTenant(t.http, { name: `${marker} One`, tier: 'growth' });
    const enterprise = await createTenant(t.http, { name: `${marker} Two`, tier: 'enterprise' });
    await createTenant(t.http, { name: `${marker} Three`, tier: 'enterprise' });
    await t.http
      .patch(`/admin/tenants/${enterprise.id}`)
      .set(adminAuth)
      .send({ status: 'suspended' })
      .expect(200);

    const search = await t.http
      .get('/admin/tenants')
      .query({ search: marker.toLowerCase() })
      .set(adminAuth)
      .expect(200);
    expect(search.body.total).toBe(3);

    const page = await t.http
      .get('/admin/tenants')
      .query({ search: marker, limit: 2, page: 2 })
      .set(adminAuth)
      .expect(200);
    expect(page.body).toMatchObject({ page: 2, limit: 2, total: 3 });
    expect(page.body.data).toHaveLength(1);

    const byTier = await t.http
      .get('/admin/tenants')
      .query({ search: marker, tier: 'growth' })
      .set(adminAuth)
      .expect(200);
    expect(byTier.body.data.map((x: { id: string }) => x.id)).toEqual([growth.id]);

    const byStatus = await t.http
      .get('/admin/tenants')
      .query({ search: marker, status: 'suspended' })
      .set(adminAuth)
      .expect(200);
    expect(byStatus.body.data.map((x: { id: string }) => x.id)).toEqual([enterprise.id]);
  });

  it('treats % and _ in a search as literal characters', async () => {
    const marker = `Pct${Date.now()}`;
    await createTenant(t.http, { name: `${marker} 100% real` });
    await createTenant(t.http, { name: `${marker} 100 real` });
    const response = await t.http
      .get('/admin/tenants')
      .query({ search: `${marker} 100%` })
      .set(adminAuth)
      .expect(200);
    expect(response.body.total).toBe(1);
  });

  it('gets, patches and soft-deletes a tenant', async () => {
    const { id } = await createTenant(t.http);
    const patched = await t.http
      .patch(`/admin/tenants/${id}`)
      .set(adminAuth)
      .send({ name: 'Renamed', tier: 'enterprise' })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', tier: 'enterprise' });

    const deleted = await t.http.delete(`/admin/tenants/${id}`).set(adminAuth).expect(200);
    expect(deleted.body.status).toBe('pending_deletion');
    expect(deleted.body.deleted_at).not.toBeNull();
    expect(deleted.body.purge_after).not.toBeNull();

    const fetched = await t.http.get(`/admin/tenants/${id}`).set(adminAuth).expect(200);
    expect(fetched.body.status).toBe('pending_deletion');
    await t.http
      .patch(`/admin/tenants/${id}`)
      .set(adminAuth)
      .send({ status: 'active' })
      .expect(409);
  });

  it('answers 404 for a tenant that does not exist', async () => {
    await t.http
      .get('/admin/tenants/00000000-0000-4000-8000-000000000000')
      .set(adminAuth)
      .expect(404);
  });

  it('reports per-tenant row counts read under the tenant scope, and platform totals', async () => {
    const { id } = await createTenant(t.http, { tier: 'enterprise' });
    const stats = await t.http.get(`/admin/tenants/${id}/statistics`).set(adminAuth).expect(200);
    expect(stats.body).toMatchObject({
      tenant_id: id,
      tier: 'enterprise',
      status: 'active',
      rows: { tenant_settings: 1 },
    });

    const platform = await t.http.get('/admin/statistics').set(adminAuth).expect(200);
    const { total, by_status, by_tier } = platform.body.tenants;
    expect(total).toBeGreaterThan(0);
    expect(
      by_status.active +
        by_status.suspended +
        by_status.pending_deletion +
        by_status.purging +
        by_status.purged,
    ).toBe(total);
    expect(by_tier.starter + by_tier.growth + by_tier.enterprise).toBe(total);
  });
});
