import { randomUUID } from 'node:crypto';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const fieldsOf = (body: { errors?: { field: string }[] }) =>
  (body.errors ?? []).map((e) => e.field).sort();

/** /v1/dashboards: CRUD, widget validation, the default dashboard, permissions, isolation. */
describe('/v1/dashboards', () => {
  let t: TestApp;
  let tenant: { id: string };
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
    tenant = await createTenant(t.http);
    auth = bearer(tenantToken(tenant.id));
  });
  afterAll(() => t.close());

  const widgets = [
    { kind: 'kpi', metric: 'users', options: { range_days: 7 } },
    { kind: 'timeseries', metric: 'events', options: { interval: 'day', range_days: 14 } },
    {
      kind: 'breakdown',
      title: 'Countries',
      options: { dimension: 'property.country', limit: 5, event_type: 'purchase' },
    },
  ];

  it('gives every new tenant a default dashboard', async () => {
    const list = await t.http.get('/v1/dashboards').set(auth).expect(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, limit: 20 });
    const [overview] = list.body.data;
    expect(overview).toMatchObject({ name: 'Overview', is_default: true });
    expect(overview.widgets.map((w: { kind: string }) => w.kind)).toEqual([
      'kpi',
      'kpi',
      'timeseries',
      'breakdown',
    ]);
    for (const widget of overview.widgets) expect(widget.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates, reads, updates and deletes a dashboard; widget ids stay stable; each change is audited', async () => {
    const created = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({ name: 'Sales', widgets })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'Sales', is_default: false });
    expect(created.body.widgets).toEqual([
      expect.objectContaining({ kind: 'kpi', metric: 'users', options: { range_days: 7 } }),
      expect.objectContaining({
        kind: 'timeseries',
        metric: 'events',
        title: 'Events per day',
        options: { range_days: 14, interval: 'day' },
      }),
      expect.objectContaining({
        kind: 'breakdown',
        metric: 'events',
        title: 'Countries',
        options: { range_days: 7, dimension: 'property.country', limit: 5, event_type: 'purchase' },
      }),
    ]);
    const id = created.body.id as string;
    const [kpi, series] = created.body.widgets as { id: string }[];

    await t.http.get(`/v1/dashboards/${id}`).set(auth).expect(200);
    // Reorder, keep two by id, add a new one: kept ids stay, the new one gets its own.
    const updated = await t.http
      .patch(`/v1/dashboards/${id}`)
      .set(auth)
      .send({
        name: 'Sales (EU)',
        widgets: [
          { id: series.id, kind: 'timeseries', options: { interval: 'week', range_days: 60 } },
          { id: kpi.id, kind: 'kpi', metric: 'sessions' },
          { kind: 'kpi' },
        ],
      })
      .expect(200);
    expect(updated.body.name).toBe('Sales (EU)');
    expect(updated.body.widgets.map((w: { id: string }) => w.id).slice(0, 2)).toEqual([
      series.id,
      kpi.id,
    ]);
    expect(updated.body.widgets[2].id).not.toEqual(expect.stringMatching(`${kpi.id}|${series.id}`));

    await t.http.delete(`/v1/dashboards/${id}`).set(auth).expect(204);
    await t.http.get(`/v1/dashboards/${id}`).set(auth).expect(404);

    const audit = await t.http.get('/v1/audit-log').query({ limit: '100' }).set(auth).expect(200);
    const actions = (audit.body.data as { action: string; resource_id: string }[])
      .filter((e) => e.resource_id === id)
      .map((e) => e.action)
      .sort();
    expect(actions).toEqual(['dashboard.created', 'dashboard.deleted', 'dashboard.updated']);
  });

  it('refuses bad widgets with 400 naming each field', async () => {
    const bad = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({
        name: '',
        widgets: [
          { kind: 'funnel' },
          { kind: 'kpi', metric: 'revenue', options: { range_days: 0 } },
          { kind: 'timeseries', options: { interval: 'minute', range_days: 7 } },
          { kind: 'breakdown', metric: 'users', options: { dimension: 'colour', limit: 500 } },
          { kind: 'kpi', options: { interval: 'day' } },
        ],
      })
      .expect(400);
    expect(fieldsOf(bad.body)).toEqual(
      expect.arrayContaining([
        'name',
        'widgets.0.kind',
        'widgets.1.metric',
        'widgets.1.options.range_days',
        'widgets.3.options.dimension',
        'widgets.3.options.limit',
      ]),
    );
    // Kind-dependent rules, checked once the shapes are right.
    const rules = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({
        name: 'Rules',
        widgets: [
          { kind: 'timeseries', options: { interval: 'minute', range_days: 7 } },
          { kind: 'breakdown', metric: 'users' },
          { kind: 'kpi', options: { interval: 'day' } },
          { kind: 'kpi', options: { range_days: 365 } }, // starter plan: 90 days
          { kind: 'kpi', id: randomUUID() },
        ],
      })
      .expect(400);
    expect(fieldsOf(rules.body)).toEqual([
      'widgets.0.options.interval',
      'widgets.1.metric',
      'widgets.2.options.interval',
      'widgets.3.options.range_days',
      'widgets.4.id',
    ]);
    const tooMany = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({ name: 'Big', widgets: Array.from({ length: 13 }, () => ({ kind: 'kpi' })) })
      .expect(400);
    expect(fieldsOf(tooMany.body)).toEqual(['widgets']);
  });

  it('keeps one default: deleting it is refused, promoting another moves it', async () => {
    const list = await t.http.get('/v1/dashboards').set(auth).expect(200);
    const overview = list.body.data.find((d: { is_default: boolean }) => d.is_default);
    const refused = await t.http.delete(`/v1/dashboards/${overview.id}`).set(auth).expect(409);
    expect(refused.body.message).toMatch(/default/);
    await t.http
      .patch(`/v1/dashboards/${overview.id}`)
      .set(auth)
      .send({ is_default: false })
      .expect(409);
    const other = await t.http
      .post('/v1/dashboards')
      .set(auth)
      .send({ name: 'New home', widgets: [] })
      .expect(201);
    await t.http
      .patch(`/v1/dashboards/${other.body.id}`)
      .set(auth)
      .send({ is_default: true })
      .expect(200);
    const after = await t.http.get('/v1/dashboards').set(auth).expect(200);
    expect(
      after.body.data
        .filter((d: { is_default: boolean }) => d.is_default)
        .map((d: { id: string }) => d.id),
    ).toEqual([other.body.id]);
    expect(after.body.data[0].id).toBe(other.body.id);
    await t.http.delete(`/v1/dashboards/${overview.id}`).set(auth).expect(204);
  });

  it('paginates', async () => {
    const own = await createTenant(t.http);
    const ownAuth = bearer(tenantToken(own.id));
    for (const name of ['A', 'B', 'C']) {
      await t.http.post('/v1/dashboards').set(ownAuth).send({ name, widgets: [] }).expect(201);
    }
    const page = await t.http
      .get('/v1/dashboards')
      .query({ page: '2', limit: '2' })
      .set(ownAuth)
      .expect(200);
    expect(page.body).toMatchObject({ total: 4, page: 2, limit: 2 });
    expect(page.body.data.map((d: { name: string }) => d.name)).toEqual(['B', 'C']);
  });

  it('lets viewers read but not write, analysts write', async () => {
    const viewer = bearer(tenantToken(tenant.id, { claims: { role: 'viewer' } }));
    const analyst = bearer(tenantToken(tenant.id, { claims: { role: 'analyst' } }));
    await t.http.get('/v1/dashboards').set(viewer).expect(200);
    const refused = await t.http
      .post('/v1/dashboards')
      .set(viewer)
      .send({ name: 'No', widgets: [] })
      .expect(403);
    expect(refused.body.message).toBe('Missing permission: dashboards:write');
    await t.http.post('/v1/dashboards').set(analyst).send({ name: 'Yes', widgets: [] }).expect(201);
  });

  it("answers 404 for another tenant's dashboard, like a missing one, and audits it in the owner's log", async () => {
    const other = await createTenant(t.http);
    const otherAuth = bearer(tenantToken(other.id));
    const theirs = await t.http
      .post('/v1/dashboards')
      .set(otherAuth)
      .send({ name: 'Private', widgets: [{ kind: 'kpi' }] })
      .expect(201);
    const id = theirs.body.id as string;
    await t.http.get(`/v1/dashboards/${id}`).set(auth).expect(404);
    await t.http.patch(`/v1/dashboards/${id}`).set(auth).send({ name: 'Mine' }).expect(404);
    await t.http.delete(`/v1/dashboards/${id}`).set(auth).expect(404);
    const list = await t.http.get('/v1/dashboards').query({ limit: '100' }).set(auth).expect(200);
    expect(list.body.data.map((d: { id: string }) => d.id)).not.toContain(id);
    const still = await t.http.get(`/v1/dashboards/${id}`).set(otherAuth).expect(200);
    expect(still.body.name).toBe('Private');
    const log = await t.http
      .get('/v1/audit-log')
      .query({ action: 'cross_tenant_attempt' })
      .set(otherAuth)
      .expect(200);
    expect(log.body.data).toHaveLength(3);
    for (const entry of log.body.data) {
      expect(entry).toMatchObject({ resource_type: 'dashboard', resource_id: id });
      expect(entry.details.caller_tenant_id).toBe(tenant.id);
    }
  });
});
