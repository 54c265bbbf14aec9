import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

/**
 * What the HTTP sweep (test/security/http-sweep.e2e-spec.ts) found, each pinned precisely: every
 * one answered 500, or held the event loop, before its fix.
 */
describe('inputs the HTTP sweep found', () => {
  let t: TestApp;
  let tenant: { id: string };
  let owner: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp();
    tenant = await createTenant(t.http);
    owner = bearer(tenantToken(tenant.id));
  });
  afterAll(() => t.close());

  const fields = (body: { errors?: { field: string }[] }) =>
    (body.errors ?? []).map((e) => e.field);

  it('refuses 100,000 widgets at once, naming widgets (it held the event loop for minutes)', async () => {
    const started = Date.now();
    const body = `{"name":"big","widgets":[${'1,'.repeat(99_999)}1]}`;
    const response = await t.http
      .post('/v1/dashboards')
      .set(owner)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(response.status).toBe(400);
    expect(fields(response.body)).toEqual(['widgets']);
    // A hang guard, not a benchmark: before the fix this took minutes.
    expect(Date.now() - started).toBeLessThan(5_000);
    const list = await t.http.get('/v1/dashboards').set(owner).expect(200);
    expect(list.body.data.map((d: { name: string }) => d.name)).not.toContain('big');
  });

  it('refuses an object of 10,000 keys, naming it', async () => {
    const options = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const response = await t.http
      .post('/v1/dashboards')
      .set(owner)
      .send({ name: 'keys', widgets: [{ kind: 'kpi', options }] });
    expect(response.status).toBe(400);
    expect(fields(response.body)).toEqual(['widgets[0].options']);
  });

  it.each([
    [
      'POST /v1/users email',
      'post',
      '/v1/users',
      '{"email":"a\\ud800b@x.example","role":"viewer"}',
      'email',
    ],
    [
      'POST /v1/api-keys name',
      'post',
      '/v1/api-keys',
      '{"name":"a\\ud800b","scopes":["events:write"]}',
      'name',
    ],
    [
      'POST /v1/guest-token user.email',
      'post',
      '/v1/guest-token',
      '{"dashboard_id":"6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11","user":{"email":"\\udc00@x.example"}}',
      'user.email',
    ],
    ['PATCH /v1/settings locale', 'patch', '/v1/settings', '{"locale":"\\ud800"}', 'locale'],
  ] as const)(
    'refuses a lone surrogate in %s with 400 naming it (was a 500 or a database error)',
    async (_name, method, path, raw, field) => {
      const response = await t.http[method](path)
        .set(owner)
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field, message: `${field} must be well-formed Unicode (it holds a lone surrogate)` },
      ]);
    },
  );

  it('refuses a lone surrogate in a new tenant without creating it', async () => {
    const response = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .set('Content-Type', 'application/json')
      .send('{"name":"Surrogate","slug":"surrogate-sweep","owner_email":"\\ud800@x.example"}');
    expect(response.status).toBe(400);
    expect(fields(response.body)).toEqual(['owner_email']);
    const list = await t.http
      .get('/admin/tenants')
      .query({ search: 'Surrogate' })
      .set(adminAuth)
      .expect(200);
    expect(list.body.total).toBe(0);
  });

  it.each([
    ['/v1/settings', 'timezone'],
    ['/v1/settings', 'currency'],
    ['/admin/tenants/{id}', 'name'],
    ['/admin/tenants/{id}', 'status'],
    ['/v1/dashboards/{id}', 'widgets'],
  ])(
    'refuses null for the optional field %s %s with 400 naming it (was a 500)',
    async (path, field) => {
      let concrete = path.replace('{id}', tenant.id);
      let auth: Record<string, string> = path.startsWith('/admin') ? adminAuth : owner;
      if (path.startsWith('/v1/dashboards')) {
        const created = await t.http
          .post('/v1/dashboards')
          .set(owner)
          .send({ name: 'nulls', widgets: [{ kind: 'kpi' }] })
          .expect(201);
        concrete = `/v1/dashboards/${created.body.id}`;
        auth = owner;
      }
      const response = await t.http
        .patch(concrete)
        .set(auth)
        .send({ [field]: null });
      expect(response.status).toBe(400);
      expect(fields(response.body)).toContain(field);
    },
  );

  it('answers a path parameter that does not percent-decode with 400 naming the path', async () => {
    const response = await t.http.get('/v1/dashboards/%ED%A0%80').set(owner);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'path', message: 'path holds a percent-escape that is not UTF-8' },
    ]);
  });
});
