import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { restoreSeededPlans } from '../support/plans';
import { asTenant, connectAs, sqlState } from '../support/sql';

/**
 * Issue 13, plans and entitlements: the seeded catalogue, versions that never move a tenant,
 * plan changes as periods, overrides in the effective terms, feature gates and count limits
 * (a downgrade keeps what exists and refuses more), and the admin DTOs' 400s.
 */
describe('plans and entitlements', () => {
  let t: TestApp;
  let owner: Client;
  let platform: Client;
  let app: Client;

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
    owner = await connectAs('owner');
    platform = await connectAs('platform');
    app = await connectAs('app');
    // Whatever an earlier suite added, these tests start from the seeded figures.
    await restoreSeededPlans(t.http);
  });
  afterAll(async () => {
    await Promise.all([owner.end(), platform.end(), app.end()]);
    await t.close();
  });

  const detail = async (id: string) =>
    (await t.http.get(`/admin/tenants/${id}`).set(adminAuth).expect(200)).body;

  /** A complete new version of `code`, from its current one with `change` on top. */
  const nextVersion = async (code: string, change: Record<string, unknown>) => {
    const current = (await t.http.get('/admin/plans').set(adminAuth).expect(200)).body.find(
      (plan: { code: string }) => plan.code === code,
    );
    const fields = [
      'price_cents_per_month',
      'events_per_month',
      'over_quota',
      'overage_cents_per_1000_events',
      'api_requests_per_minute',
      'storage_gb',
      'users',
      'event_sources',
      'data_retention_days',
      'features',
    ];
    const body = Object.fromEntries(fields.map((field) => [field, current[field]]));
    return t.http
      .post('/admin/plans')
      .set(adminAuth)
      .send({ code, ...body, ...change });
  };

  it('seeds the three tiers with the product figures (version 1 of each, all current)', async () => {
    const all = (await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200)).body;
    const firsts = all
      .filter((plan: { version: number }) => plan.version === 1)
      .map(
        ({ id: _id, created_at: _at, current: _current, ...plan }: Record<string, unknown>) => plan,
      );
    expect(firsts).toEqual([
      {
        code: 'enterprise',
        version: 1,
        price_cents_per_month: 249900,
        events_per_month: 100_000_000,
        over_quota: 'overage',
        overage_cents_per_1000_events: 3,
        api_requests_per_minute: 2000,
        storage_gb: 500,
        users: null,
        event_sources: null,
        data_retention_days: 730,
        features: ['white_label', 'sso', 'funnels_retention', 'dedicated_database'],
        // Issue 16: analytics limits per tier (README, "Fair analytics").
        analytics_concurrent_queries: 8,
        analytics_query_seconds: 30,
        analytics_rows_per_query: 1_000_000_000,
      },
      {
        code: 'growth',
        version: 1,
        price_cents_per_month: 49900,
        events_per_month: 10_000_000,
        over_quota: 'overage',
        overage_cents_per_1000_events: 5,
        api_requests_per_minute: 500,
        storage_gb: 50,
        users: 20,
        event_sources: 10,
        data_retention_days: 180,
        features: ['sso', 'funnels_retention'],
        // Issue 16: analytics limits per tier (README, "Fair analytics").
        analytics_concurrent_queries: 4,
        analytics_query_seconds: 20,
        analytics_rows_per_query: 100_000_000,
      },
      {
        code: 'starter',
        version: 1,
        price_cents_per_month: 9900,
        events_per_month: 1_000_000,
        over_quota: 'refuse',
        overage_cents_per_1000_events: 0,
        api_requests_per_minute: 100,
        storage_gb: 10,
        users: 5,
        event_sources: 2,
        data_retention_days: 90,
        features: [],
        // Issue 16: analytics limits per tier (README, "Fair analytics").
        analytics_concurrent_queries: 2,
        analytics_query_seconds: 10,
        analytics_rows_per_query: 20_000_000,
      },
    ]);
    // The overage prices are each plan's own included rate per 1,000 events, rounded up.
    expect(Math.ceil((49900 / 10_000_000) * 1000)).toBe(5);
    expect(Math.ceil((249900 / 100_000_000) * 1000)).toBe(3);
  });

  it('takes a new version’s analytics limits, or carries the current version’s over', async () => {
    const limits = {
      analytics_concurrent_queries: 3,
      analytics_query_seconds: 12,
      analytics_rows_per_query: 30_000_000,
    };
    const stated = await nextVersion('starter', limits);
    expect(stated.status).toBe(201);
    expect(stated.body).toMatchObject(limits);
    const carried = await nextVersion('starter', { price_cents_per_month: 9800 });
    expect(carried.status).toBe(201);
    expect(carried.body).toMatchObject({ version: stated.body.version + 1, ...limits });
    const bad = await nextVersion('starter', {
      analytics_concurrent_queries: 65,
      analytics_rows_per_query: 2_000_000_001,
    });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'analytics_concurrent_queries',
      'analytics_rows_per_query',
    ]);
    await restoreSeededPlans(t.http);
  });

  it('gives a new tenant the current version of its plan and an open period from its creation', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const body = await detail(tenant.id);
    expect(body).toMatchObject({ tier: 'growth', plan_overrides: {} });
    expect(body.terms).toMatchObject({ code: 'growth', users: 20, event_sources: 10 });
    expect(body.plan_periods).toHaveLength(1);
    expect(body.plan_periods[0]).toMatchObject({ plan_id: body.plan_id, effective_until: null });
  });

  it('adds a version without moving the tenants on the old one; new tenants and changes get it', async () => {
    const before = await createTenant(t.http, { tier: 'growth' });
    const beforePlan = (await detail(before.id)).plan_id;
    const created = await nextVersion('growth', { api_requests_per_minute: 600 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 'growth',
      current: true,
      api_requests_per_minute: 600,
    });
    expect(created.body.version).toBeGreaterThanOrEqual(2);

    // Audited in the platform's own log (a plan belongs to no tenant).
    const logged = await t.http
      .get('/admin/audit-log?action=plan.version_created&limit=100')
      .set(adminAuth)
      .expect(200);
    expect(
      logged.body.data.find(
        (entry: { resource_id: string }) => entry.resource_id === created.body.id,
      ),
    ).toMatchObject({ tenant_id: null, actor_type: 'platform_admin', resource_type: 'plan' });

    // The tenant keeps its signed version and its figures.
    const kept = await detail(before.id);
    expect(kept.plan_id).toBe(beforePlan);
    expect(kept.terms.api_requests_per_minute).toBe(500);
    // The old version stays in the catalogue, no longer current.
    const all = (await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200)).body;
    expect(all.find((plan: { id: string }) => plan.id === beforePlan)).toMatchObject({
      current: false,
    });
    const current = (await t.http.get('/admin/plans').set(adminAuth).expect(200)).body;
    expect(current.map((plan: { code: string }) => plan.code).sort()).toEqual([
      'enterprise',
      'growth',
      'starter',
    ]);
    expect(current.find((plan: { code: string }) => plan.code === 'growth').id).toBe(
      created.body.id,
    );

    // A new tenant gets the new version.
    const after = await createTenant(t.http, { tier: 'growth' });
    expect((await detail(after.id)).plan_id).toBe(created.body.id);
    // Moving the old tenant by code gets the current version; by id, any version.
    await t.http
      .patch(`/admin/tenants/${before.id}`)
      .set(adminAuth)
      .send({ plan: 'growth' })
      .expect(200);
    expect((await detail(before.id)).plan_id).toBe(created.body.id);
    await t.http
      .patch(`/admin/tenants/${before.id}`)
      .set(adminAuth)
      .send({ plan_id: beforePlan })
      .expect(200);
    expect((await detail(before.id)).terms.api_requests_per_minute).toBe(500);

    // Later suites sharing this database see growth's seeded figures again (in a newer version).
    const restored = await nextVersion('growth', { api_requests_per_minute: 500 });
    expect(restored.status).toBe(201);
    expect((await detail(before.id)).plan_id).toBe(beforePlan);

    // Versions are immutable: not even the platform role may change or delete one, and the
    // app role may only read them.
    const refusal = async (client: Client, text: string) => {
      await client.query('BEGIN');
      try {
        return await sqlState(client, text);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    expect(await refusal(platform, 'UPDATE plans SET price_cents_per_month = 0')).toBe('42501');
    expect(await refusal(platform, 'DELETE FROM plans')).toBe('42501');
    expect(
      await refusal(
        app,
        "INSERT INTO plans (code, version, price_cents_per_month, events_per_month, over_quota, overage_cents_per_1000_events, api_requests_per_minute, storage_gb, data_retention_days) VALUES ('starter', 99, 0, 1, 'refuse', 0, 1, 1, 1)",
      ),
    ).toBe('42501');
  });

  it('changes plan effective now: the open period ends where the next begins, tier follows, audited', async () => {
    const tenant = await createTenant(t.http, { tier: 'starter' });
    const moved = await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ plan: 'enterprise' })
      .expect(200);
    expect(moved.body).toMatchObject({ tier: 'enterprise', terms: { code: 'enterprise' } });
    await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ tier: 'growth' })
      .expect(200);
    const periods = (await detail(tenant.id)).plan_periods;
    expect(periods).toHaveLength(3);
    expect(periods[0].effective_until).toBe(periods[1].effective_from);
    expect(periods[1].effective_until).toBe(periods[2].effective_from);
    expect(periods[2].effective_until).toBeNull();
    expect(periods[1].plan_id).toBe(moved.body.plan_id);
    // Moving to the plan it is on opens no period.
    await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ plan: 'growth' })
      .expect(200);
    expect((await detail(tenant.id)).plan_periods).toHaveLength(3);

    const audit = await t.http
      .get(`/v1/audit-log?action=tenant.updated`)
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    const changes = audit.body.data.filter(
      (entry: { details: { plan_change?: unknown } }) => entry.details.plan_change,
    );
    expect(changes).toHaveLength(2);
    expect(changes.map((entry: { actor_type: string }) => entry.actor_type)).toEqual([
      'platform_admin',
      'platform_admin',
    ]);
  });

  it('applies overrides on top of the plan, audits them, and clears them with {}', async () => {
    const tenant = await createTenant(t.http, { tier: 'starter' });
    const set = await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({
        users: null,
        event_sources: 4,
        price_cents_per_month: 5000,
        features: ['funnels_retention'],
      })
      .expect(200);
    expect(set.body.plan_overrides).toEqual({
      users: null,
      event_sources: 4,
      price_cents_per_month: 5000,
      features: ['funnels_retention'],
    });
    expect(set.body.terms).toMatchObject({
      code: 'starter',
      users: null,
      event_sources: 4,
      price_cents_per_month: 5000,
      api_requests_per_minute: 100,
      features: ['funnels_retention'],
    });
    // The feature override opens the gated route at once.
    const auth = bearer(tenantToken(tenant.id));
    await t.http.get('/v1/analytics/retention').set(auth).expect(200);

    const audit = await t.http
      .get('/v1/audit-log?action=tenant.plan_overrides_set')
      .set({ ...adminAuth, 'X-Tenant-ID': tenant.id })
      .expect(200);
    expect(audit.body.data[0]).toMatchObject({
      actor_type: 'platform_admin',
      details: { from: {}, to: { event_sources: 4 } },
    });
    const platformView = await t.http
      .get(`/admin/audit-log?tenant_id=${tenant.id}&action=tenant.plan_overrides_set`)
      .set(adminAuth)
      .expect(200);
    expect(platformView.body.data).toHaveLength(1);

    const cleared = await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({})
      .expect(200);
    expect(cleared.body.terms).toMatchObject({ users: 5, event_sources: 2, features: [] });
    await t.http.get('/v1/analytics/retention').set(auth).expect(403);
  });

  it('refuses a route the plan lacks with 403 naming the feature and the plans that include it', async () => {
    const starter = bearer(tenantToken((await createTenant(t.http)).id));
    const growth = bearer(tenantToken((await createTenant(t.http, { tier: 'growth' })).id));
    const refused = await t.http.get('/v1/analytics/retention').set(starter).expect(403);
    expect(refused.body).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
      feature: 'funnels_retention',
      plan: 'starter',
      plans: ['growth', 'enterprise'],
    });
    expect(refused.body.message).toMatch(/funnels_retention/);
    // Checked before the body: an invalid funnel is still a 403, not a 400.
    const funnel = await t.http.post('/v1/analytics/funnel').set(starter).send({}).expect(403);
    expect(funnel.body.feature).toBe('funnels_retention');
    await t.http.get('/v1/analytics/retention').set(growth).expect(200);
    await t.http.get('/v1/analytics/summary').set(starter).expect(200);
  });

  it('lets every plan set embed origins, and only white label plans a theme of their own', async () => {
    const defaults = {
      primary_color: '#4f46e5',
      accent_color: '#f59e0b',
      background_color: '#ffffff',
      text_color: '#111827',
      logo_url: null,
    };
    const growth = bearer(tenantToken((await createTenant(t.http, { tier: 'growth' })).id));
    await t.http
      .put('/v1/branding')
      .set(growth)
      .send({ ...defaults, embed_origins: ['https://app.example'] })
      .expect(200);
    const themed = await t.http
      .put('/v1/branding')
      .set(growth)
      .send({ ...defaults, primary_color: '#0f766e', embed_origins: [] })
      .expect(403);
    expect(themed.body).toMatchObject({ feature: 'white_label', plans: ['enterprise'] });
    const logo = await t.http
      .put('/v1/branding')
      .set(growth)
      .send({ ...defaults, logo_url: 'https://cdn.example/logo.png', embed_origins: [] })
      .expect(403);
    expect(logo.body.feature).toBe('white_label');
    const enterprise = bearer(tenantToken((await createTenant(t.http, { tier: 'enterprise' })).id));
    await t.http
      .put('/v1/branding')
      .set(enterprise)
      .send({ ...defaults, primary_color: '#0f766e', embed_origins: [] })
      .expect(200);
  });

  it('keeps what a downgrade leaves over the limits and refuses more (users and event sources)', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const admin = { ...adminAuth, 'X-Tenant-ID': tenant.id };
    const users: string[] = [];
    for (let i = 1; i <= 5; i += 1) {
      const created = await t.http
        .post('/v1/users')
        .set(admin)
        .send({ email: `user${i}@downgrade.example`, role: 'viewer' })
        .expect(201);
      users.push(created.body.id);
    }
    for (let i = 1; i <= 3; i += 1) {
      await t.http
        .post('/v1/api-keys')
        .set(admin)
        .send({ name: `ingest ${i}`, scopes: ['events:write'] })
        .expect(201);
    }
    // Six users (the owner and five) and three event sources on growth; now starter (5 and 2).
    await t.http
      .patch(`/admin/tenants/${tenant.id}`)
      .set(adminAuth)
      .send({ plan: 'starter' })
      .expect(200);
    const listed = await t.http.get('/v1/users').set(admin).expect(200);
    expect(listed.body.total).toBe(6);
    expect((await t.http.get('/v1/api-keys').set(admin).expect(200)).body).toHaveLength(3);

    const seventh = await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'user7@downgrade.example', role: 'viewer' })
      .expect(403);
    expect(seventh.body).toMatchObject({
      resource: 'users',
      limit: 5,
      current: 6,
      plan: 'starter',
    });
    const fourthKey = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'ingest 4', scopes: ['events:write'] })
      .expect(403);
    expect(fourthKey.body).toMatchObject({ resource: 'event_sources', limit: 2, current: 3 });
    // A key without events:write is no event source.
    await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ name: 'reader', scopes: ['settings:read'] })
      .expect(201);
    // Nothing was stored by the refusals.
    expect((await t.http.get('/v1/users').set(admin).expect(200)).body.total).toBe(6);

    // Disabling users makes room; re-enabling past the limit is refused like adding.
    await t.http.patch(`/v1/users/${users[0]}`).set(admin).send({ status: 'disabled' }).expect(200);
    await t.http.patch(`/v1/users/${users[1]}`).set(admin).send({ status: 'disabled' }).expect(200);
    await t.http
      .post('/v1/users')
      .set(admin)
      .send({ email: 'user7@downgrade.example', role: 'viewer' })
      .expect(201);
    const reenabled = await t.http
      .patch(`/v1/users/${users[0]}`)
      .set(admin)
      .send({ status: 'active' })
      .expect(403);
    expect(reenabled.body).toMatchObject({ resource: 'users', limit: 5, current: 5 });
  });

  it('refuses concurrent additions past the limit: exactly the limit is reached', async () => {
    const tenant = await createTenant(t.http, { tier: 'starter' });
    const admin = { ...adminAuth, 'X-Tenant-ID': tenant.id };
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.http
          .post('/v1/api-keys')
          .set(admin)
          .send({ name: `race ${i}`, scopes: ['events:write'] }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(2);
    expect(answers.filter((answer) => answer.status === 403)).toHaveLength(4);
  });

  it('answers 400 naming the field for bad plan versions, overrides and plan changes, storing nothing', async () => {
    const tenant = await createTenant(t.http);
    const countPlans = async () =>
      (await t.http.get('/admin/plans?all=true').set(adminAuth).expect(200)).body.length;
    const plans = await countPlans();
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 'platinum' }, 'code'],
      [{ price_cents_per_month: -1 }, 'price_cents_per_month'],
      [{ events_per_month: 2_000_000_001 }, 'events_per_month'],
      [{ api_requests_per_minute: 1.5 }, 'api_requests_per_minute'],
      [{ users: 0 }, 'users'],
      [{ event_sources: 'many' }, 'event_sources'],
      [{ data_retention_days: 731 }, 'data_retention_days'],
      [{ over_quota: 'maybe' }, 'over_quota'],
      [{ features: ['teleport'] }, 'features'],
      [{ features: ['sso', 'sso'] }, 'features'],
    ];
    for (const [change, field] of cases) {
      const answer = await nextVersion('starter', change);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    const missing = await t.http
      .post('/admin/plans')
      .set(adminAuth)
      .send({ code: 'starter' })
      .expect(400);
    expect(missing.body.errors.map((error: { field: string }) => error.field)).toEqual(
      expect.arrayContaining(['price_cents_per_month', 'features', 'users']),
    );
    expect(await countPlans()).toBe(plans);

    for (const [body, field] of [
      [{ users: -3 }, 'users'],
      [{ storage_gb: 10_000_000 }, 'storage_gb'],
      [{ data_retention_days: 0 }, 'data_retention_days'],
      [{ price_cents_per_month: null }, 'price_cents_per_month'],
      [{ unknown_limit: 3 }, 'unknown_limit'],
    ] as [Record<string, unknown>, string][]) {
      const answer = await t.http
        .put(`/admin/tenants/${tenant.id}/overrides`)
        .set(adminAuth)
        .send(body);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect((await detail(tenant.id)).plan_overrides).toEqual({});

    for (const [body, field] of [
      [{ plan: 'platinum' }, 'plan'],
      [{ plan_id: 'not-a-uuid' }, 'plan_id'],
      [{ plan_id: randomUUID() }, 'plan_id'],
      [{ plan: 'growth', tier: 'enterprise' }, 'tier'],
    ] as [Record<string, unknown>, string][]) {
      const answer = await t.http.patch(`/admin/tenants/${tenant.id}`).set(adminAuth).send(body);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    const after = await detail(tenant.id);
    expect(after.tier).toBe('starter');
    expect(after.plan_periods).toHaveLength(1);
    await t.http
      .put(`/admin/tenants/${randomUUID()}/overrides`)
      .set(adminAuth)
      .send({})
      .expect(404);
  });

  it('keeps plan periods apart: another tenant can neither read nor write them', async () => {
    const mine = await createTenant(t.http);
    const theirs = await createTenant(t.http);
    await asTenant(app, mine.id, async () => {
      const seen = await app.query('SELECT tenant_id FROM tenant_plan_periods');
      expect(seen.rows.map((row: { tenant_id: string }) => row.tenant_id)).toEqual([mine.id]);
      const plan = (await app.query('SELECT id FROM plans LIMIT 1')).rows[0].id;
      expect(
        await sqlState(
          app,
          'INSERT INTO tenant_plan_periods (tenant_id, plan_id, effective_from) VALUES ($1, $2, now())',
          [theirs.id, plan],
        ),
      ).toBe('42501');
    });
    await asTenant(platform, mine.id, async () => {
      const updated = await platform.query(
        'UPDATE tenant_plan_periods SET effective_until = now() WHERE tenant_id = $1',
        [theirs.id],
      );
      expect(updated.rowCount).toBe(0);
    });
    // Without a tenant set, nothing at all.
    expect((await app.query('SELECT count(*)::int AS n FROM tenant_plan_periods')).rows[0].n).toBe(
      0,
    );
    // The app role may not close or move periods: plan changes are the platform's.
    await asTenant(app, mine.id, async () => {
      expect(await sqlState(app, 'UPDATE tenant_plan_periods SET effective_until = now()')).toBe(
        '42501',
      );
    });
  });
});
