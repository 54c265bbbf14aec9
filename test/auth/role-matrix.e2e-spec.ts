import { randomUUID } from 'node:crypto';
import { restoreSeededPlans } from '../support/plans';
import { PERMISSIONS, type Permission, ROLE_PERMISSIONS, ROLES } from '../../src/auth/permissions';
import { requireSilo } from '../support/placements';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

/**
 * The role matrix: every operation of the OpenAPI document, called by every kind of caller, gets
 * exactly the answer the permission table (ROLE_PERMISSIONS) says.
 *
 * ACCESS below is this test's own statement of who may call what, written apart from the
 * controllers: a route added without an entry here, or declared differently in the app, fails.
 * PROBES are harmless requests (empty bodies, ids nobody has) whose answer for an allowed caller
 * is known in advance, so "allowed" is one exact status and "refused" is 401 or 403.
 */
type Access = 'public' | 'platform' | readonly Permission[];

const ACCESS: Record<string, Access> = {
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /health/jobs': 'public',
  'POST /auth/login': 'public',
  'POST /auth/refresh': 'public',
  'POST /auth/logout': 'public',
  'POST /auth/password': 'public',
  'POST /auth/admin/login': 'public',
  'POST /auth/admin/refresh': 'public',
  'POST /auth/admin/logout': 'public',
  'GET /auth/me': [],
  'GET /v1/settings': ['settings:read'],
  'PATCH /v1/settings': ['settings:write'],
  'POST /v1/users': ['users:write'],
  'GET /v1/users': ['users:read'],
  'GET /v1/users/{id}': ['users:read'],
  'PATCH /v1/users/{id}': ['users:write'],
  'DELETE /v1/users/{id}': ['users:write'],
  'POST /v1/api-keys': ['api_keys:write'],
  'GET /v1/api-keys': ['api_keys:read'],
  'DELETE /v1/api-keys/{id}': ['api_keys:write'],
  'GET /v1/audit-log': ['audit:read'],
  'POST /v1/events': ['events:write'],
  'GET /v1/analytics/summary': ['analytics:read'],
  'GET /v1/analytics/timeseries': ['analytics:read'],
  'GET /v1/analytics/breakdown': ['analytics:read'],
  'POST /v1/analytics/funnel': ['analytics:read'],
  'GET /v1/analytics/retention': ['analytics:read'],
  'GET /v1/usage': ['settings:read'],
  'GET /v1/usage/daily': ['settings:read'],
  'GET /v1/usage/queries': ['analytics:read'],
  'GET /v1/invoices': ['settings:read'],
  'GET /v1/invoices/upcoming': ['settings:read'],
  'GET /v1/invoices/{id}': ['settings:read'],
  'GET /v1/branding': ['settings:read'],
  'PUT /v1/branding': ['settings:write'],
  'GET /v1/dashboards': ['dashboards:read'],
  'POST /v1/dashboards': ['dashboards:write'],
  'GET /v1/dashboards/{id}': ['dashboards:read'],
  'PATCH /v1/dashboards/{id}': ['dashboards:write'],
  'DELETE /v1/dashboards/{id}': ['dashboards:write'],
  'POST /v1/guest-token': ['dashboards:read', 'analytics:read'],
  'POST /v1/privacy/erasures': ['privacy:write'],
  'GET /v1/privacy/erasures': ['privacy:read'],
  'GET /v1/privacy/erasures/{id}': ['privacy:read'],
  'POST /v1/exports': ['data:export'],
  'GET /v1/exports': ['data:export'],
  'GET /v1/exports/{id}': ['data:export'],
  'GET /v1/exports/{id}/download': ['data:export'],
  'POST /admin/tenants': 'platform',
  'GET /admin/tenants': 'platform',
  'GET /admin/tenants/{id}': 'platform',
  'PATCH /admin/tenants/{id}': 'platform',
  'DELETE /admin/tenants/{id}': 'platform',
  'GET /admin/tenants/{id}/statistics': 'platform',
  'GET /admin/tenants/{id}/health': 'platform',
  'GET /admin/silent-tenants': 'platform',
  'GET /admin/statistics': 'platform',
  'GET /admin/audit-log': 'platform',
  'GET /admin/cost-attribution': 'platform',
  'GET /admin/isolation-report': 'platform',
  'GET /admin/backups': 'platform',
  'GET /admin/placements': 'platform',
  'POST /admin/tenants/{id}/move': 'platform',
  'GET /admin/tenants/{id}/moves/{move_id}': 'platform',
  'GET /admin/plans': 'platform',
  'POST /admin/plans': 'platform',
  'PUT /admin/tenants/{id}/overrides': 'platform',
  'GET /admin/invoices': 'platform',
  'POST /admin/tenants/{id}/restore': 'platform',
  'POST /admin/tenants/{id}/purge': 'platform',
  'POST /v1/tenant/deletion': ['settings:write'],
  'POST /admin/tenants/{id}/import': 'platform',
  'GET /auth/login-options': 'public',
  'GET /auth/sso/start': 'public',
  'GET /auth/sso/callback': 'public',
  'GET /v1/sso': ['sso:manage'],
  'PUT /v1/sso': ['sso:manage'],
  'DELETE /v1/sso': ['sso:manage'],
  'POST /v1/domains': ['domains:write'],
  'GET /v1/domains': ['domains:read'],
  'GET /v1/domains/{id}': ['domains:read'],
  'POST /v1/domains/{id}/verify': ['domains:write'],
  'DELETE /v1/domains/{id}': ['domains:write'],
  'GET /tls/ask': 'public',
};

/**
 * The plan feature each operation needs (x-feature), written apart from the controllers like
 * ACCESS. Whole-route gates refuse a plan without the feature before the body is read;
 * `fields` gates (PUT /v1/branding) only when the body sets those fields.
 */
const FEATURES: Record<string, { feature: string; plans: string[]; fields?: boolean }> = {
  'POST /v1/analytics/funnel': { feature: 'funnels_retention', plans: ['growth', 'enterprise'] },
  'GET /v1/analytics/retention': { feature: 'funnels_retention', plans: ['growth', 'enterprise'] },
  'PUT /v1/branding': { feature: 'white_label', plans: ['enterprise'], fields: true },
  'GET /v1/sso': { feature: 'sso', plans: ['growth', 'enterprise'] },
  'PUT /v1/sso': { feature: 'sso', plans: ['growth', 'enterprise'] },
  'DELETE /v1/sso': { feature: 'sso', plans: ['growth', 'enterprise'] },
  'POST /v1/domains': { feature: 'white_label', plans: ['enterprise'] },
  'GET /v1/domains': { feature: 'white_label', plans: ['enterprise'] },
  'GET /v1/domains/{id}': { feature: 'white_label', plans: ['enterprise'] },
  'POST /v1/domains/{id}/verify': { feature: 'white_label', plans: ['enterprise'] },
  'DELETE /v1/domains/{id}': { feature: 'white_label', plans: ['enterprise'] },
};

/** What an allowed caller gets for the probe: the request never changes anything. */
const ALLOWED_STATUS: Record<string, number> = {
  'GET /health': 200,
  'GET /health/live': 200,
  'GET /health/jobs': 200,
  'POST /auth/login': 400,
  // No token in the body or a cookie: refused as credentials, not as input.
  'POST /auth/refresh': 401,
  'POST /auth/logout': 204,
  'POST /auth/password': 400,
  'POST /auth/admin/login': 400,
  'POST /auth/admin/refresh': 401,
  'POST /auth/admin/logout': 204,
  'GET /auth/me': 200,
  'GET /v1/settings': 200,
  'PATCH /v1/settings': 200,
  'POST /v1/users': 400,
  'GET /v1/users': 200,
  'GET /v1/users/{id}': 404,
  'PATCH /v1/users/{id}': 404,
  'DELETE /v1/users/{id}': 404,
  'POST /v1/api-keys': 400,
  'GET /v1/api-keys': 200,
  'DELETE /v1/api-keys/{id}': 404,
  'GET /v1/audit-log': 200,
  'POST /v1/events': 400,
  'GET /v1/analytics/summary': 200,
  'GET /v1/analytics/timeseries': 200,
  'GET /v1/analytics/breakdown': 200,
  'POST /v1/analytics/funnel': 400,
  'GET /v1/analytics/retention': 200,
  'GET /v1/usage': 200,
  'GET /v1/usage/daily': 200,
  'GET /v1/usage/queries': 200,
  'GET /v1/invoices': 200,
  'GET /v1/invoices/upcoming': 200,
  'GET /v1/invoices/{id}': 404,
  'GET /v1/branding': 200,
  'PUT /v1/branding': 400,
  'GET /v1/dashboards': 200,
  'POST /v1/dashboards': 400,
  'GET /v1/dashboards/{id}': 404,
  'PATCH /v1/dashboards/{id}': 404,
  'DELETE /v1/dashboards/{id}': 404,
  'POST /v1/guest-token': 400,
  'POST /v1/privacy/erasures': 400,
  'GET /v1/privacy/erasures': 200,
  'GET /v1/privacy/erasures/{id}': 404,
  // No range: the probe sends {} and starts nothing.
  'POST /v1/exports': 400,
  'GET /v1/exports': 200,
  'GET /v1/exports/{id}': 404,
  'GET /v1/exports/{id}/download': 404,
  'POST /admin/tenants': 400,
  'GET /admin/tenants': 200,
  'GET /admin/tenants/{id}': 404,
  'PATCH /admin/tenants/{id}': 404,
  'DELETE /admin/tenants/{id}': 404,
  'GET /admin/tenants/{id}/statistics': 404,
  'GET /admin/tenants/{id}/health': 404,
  'GET /admin/silent-tenants': 200,
  'GET /admin/statistics': 200,
  'GET /admin/audit-log': 200,
  'GET /admin/cost-attribution': 200,
  'GET /admin/isolation-report': 200,
  'GET /admin/backups': 200,
  'GET /admin/placements': 200,
  // No body: placement is missing (checked before the tenant is looked up).
  'POST /admin/tenants/{id}/move': 400,
  'GET /admin/tenants/{id}/moves/{move_id}': 404,
  'GET /admin/plans': 200,
  'POST /admin/plans': 400,
  'PUT /admin/tenants/{id}/overrides': 404,
  // No period: the probe sends no query.
  'GET /admin/invoices': 400,
  'POST /admin/tenants/{id}/restore': 404,
  // No body: confirm_slug is missing (checked before the tenant is looked up).
  'POST /admin/tenants/{id}/purge': 400,
  'POST /v1/tenant/deletion': 400,
  // No such tenant: nothing is read or written.
  'POST /admin/tenants/{id}/import': 404,
  'GET /auth/login-options': 200,
  // No tenant: back to the login page with error=sso_unavailable.
  'GET /auth/sso/start': 302,
  // No state cookie: back to the login page with error=sso_expired.
  'GET /auth/sso/callback': 302,
  'GET /v1/sso': 200,
  'PUT /v1/sso': 400,
  // Nothing configured: nothing removed.
  'DELETE /v1/sso': 204,
  'POST /v1/domains': 400,
  'GET /v1/domains': 200,
  'GET /v1/domains/{id}': 404,
  'POST /v1/domains/{id}/verify': 404,
  'DELETE /v1/domains/{id}': 404,
  // No domain: 400 naming it.
  'GET /tls/ask': 400,
};

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** The answer this caller should get for an operation with the given access. */
  expect(access: Access, allowed: number, operation: string): number;
  /** The plan of the caller's tenant, when it is not enterprise (which has every feature). */
  plan?: string;
}

const PASSWORD = 'role matrix passphrase';

describe('role matrix: every operation × every kind of caller', () => {
  let t: TestApp;
  let operations: string[];
  const callers: Caller[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    // Plans as seeded (an earlier suite may have added versions): the features below are theirs.
    await restoreSeededPlans(t.http);
    const document = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-access'?: unknown }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Enterprise: every feature and no count limits, so the permission table alone decides.
    // Pooled, or (the side lane's pass, TEST_ROLE_MATRIX_PLACEMENT=silo-1) siloed: the same
    // answers whichever database the tenant's rows are in.
    const placement = process.env.TEST_ROLE_MATRIX_PLACEMENT;
    if (placement) requireSilo();
    const tenant = await createTenant(t.http, {
      tier: 'enterprise',
      ...(placement ? { placement } : {}),
    });
    const asAdmin = { ...adminAuth, 'X-Tenant-ID': tenant.id };
    // The owner sets a password with the one-time token; the other roles are created by it.
    await t.http
      .post('/auth/password')
      .send({ token: tenant.passwordSetToken, password: PASSWORD })
      .expect(204);
    for (const role of ROLES.filter((r) => r !== 'owner')) {
      await t.http
        .post('/v1/users')
        .set(asAdmin)
        .send({ email: `${role}@matrix.example`, role, password: PASSWORD })
        .expect(201);
    }

    callers.push({
      name: 'no credential',
      headers: {},
      expect: (access, allowed) => (access === 'public' ? allowed : 401),
    });
    for (const role of ROLES) {
      const email = role === 'owner' ? `owner@${tenant.slug}.example` : `${role}@matrix.example`;
      const login = await t.http
        .post('/auth/login')
        .send({ tenant: tenant.slug, email, password: PASSWORD })
        .expect(200);
      const granted = ROLE_PERMISSIONS[role];
      callers.push({
        name: `${role} (user access token)`,
        headers: bearer(login.body.access_token),
        expect: (access, allowed) =>
          access === 'public'
            ? allowed
            : access === 'platform'
              ? 403
              : access.every((p) => granted.includes(p))
                ? allowed
                : 403,
      });
    }
    // API keys: one holding each route's permissions, one holding every other permission.
    const keyCache = new Map<string, string>();
    const keyWith = async (scopes: readonly Permission[]) => {
      const id = [...scopes].sort().join(',');
      if (!keyCache.has(id)) {
        const created = await t.http
          .post('/v1/api-keys')
          .set(asAdmin)
          .send({ name: `matrix key ${keyCache.size + 1}`, scopes })
          .expect(201);
        keyCache.set(id, created.body.key);
      }
      return keyCache.get(id) as string;
    };
    const needs = new Map<string, readonly Permission[]>();
    for (const access of Object.values(ACCESS)) {
      if (typeof access !== 'string' && access.length > 0) needs.set(access.join(','), access);
    }
    for (const permissions of needs.values()) {
      const withScope = await keyWith(permissions);
      const withoutScope = await keyWith(PERMISSIONS.filter((p) => !permissions.includes(p)));
      const applies = (access: Access) =>
        typeof access !== 'string' && access.join(',') === permissions.join(',');
      callers.push({
        name: `API key with ${permissions.join(',')} (X-API-Key)`,
        headers: { 'X-API-Key': withScope },
        expect: (access, allowed) =>
          access === 'public'
            ? allowed
            : access === 'platform'
              ? 403
              : access.every((p) => permissions.includes(p))
                ? allowed
                : 403,
      });
      callers.push({
        name: `API key without ${permissions.join(',')} (Bearer)`,
        headers: bearer(withoutScope),
        expect: (access, allowed) =>
          access === 'public'
            ? allowed
            : access === 'platform' || applies(access)
              ? 403
              : access.every((p) => !permissions.includes(p))
                ? allowed
                : 403,
      });
    }
    callers.push({
      name: 'platform admin (X-Tenant-ID)',
      headers: asAdmin,
      expect: (_access, allowed) => allowed,
    });
    // Owners of a starter and a growth tenant: allowed what an owner is, except the
    // operations whose feature their plan lacks (403 naming it).
    for (const plan of ['starter', 'growth']) {
      const planned = await createTenant(t.http, { tier: plan });
      callers.push({
        name: `owner of a ${plan} tenant`,
        plan,
        headers: bearer(tenantToken(planned.id)),
        expect: (access, allowed, operation) => {
          if (access === 'public') return allowed;
          if (access === 'platform') return 403;
          const gate = FEATURES[operation];
          return gate && !gate.fields && !gate.plans.includes(plan) ? 403 : allowed;
        },
      });
    }
  });
  afterAll(() => t.close());

  it('states the access of every operation in the document, and of nothing else', () => {
    expect([...operations].sort()).toEqual(Object.keys(ACCESS).sort());
  });

  it('publishes each operation with the access the app enforces (x-access)', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { 'x-access'?: { kind: string; permissions?: string[] } }>
      >;
    };
    for (const operation of operations) {
      const [method, path] = operation.split(' ');
      const declared = document.paths[path][method.toLowerCase()]['x-access'];
      const expected = ACCESS[operation];
      expect({ operation, declared }).toEqual({
        operation,
        declared:
          typeof expected === 'string'
            ? { kind: expected }
            : { kind: 'tenant', permissions: [...expected] },
      });
    }
  });

  it('publishes the plan feature of each gated operation (x-feature) and its 403', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { 'x-feature'?: string; responses: Record<string, { description: string }> }>
      >;
    };
    const gated = operations.filter((operation) => {
      const [method, path] = operation.split(' ');
      return document.paths[path][method.toLowerCase()]['x-feature'] !== undefined;
    });
    expect(gated.sort()).toEqual(Object.keys(FEATURES).sort());
    for (const operation of gated) {
      const [method, path] = operation.split(' ');
      const published = document.paths[path][method.toLowerCase()];
      expect(published['x-feature']).toBe(FEATURES[operation].feature);
      expect(published.responses['403'].description).toContain(FEATURES[operation].feature);
    }
  });

  it('refuses a gated operation with a body naming the feature and the plans that include it', async () => {
    const starter = callers.find((caller) => caller.plan === 'starter') as Caller;
    for (const [operation, gate] of Object.entries(FEATURES)) {
      if (gate.fields) continue;
      const [method, path] = operation.split(' ');
      const request = t.http[method.toLowerCase() as 'get' | 'post'](path).set(starter.headers);
      const response = await (method === 'GET' ? request : request.send({}));
      expect({ operation, status: response.status, body: response.body }).toMatchObject({
        operation,
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          feature: gate.feature,
          plan: 'starter',
          plans: gate.plans,
        },
      });
    }
  });

  it('answers every caller on every operation as the permission table says', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const operation of operations) {
      const [method, template] = operation.split(' ');
      const path = template.replace(/\{[A-Za-z_]+\}/g, () => randomUUID());
      const access = ACCESS[operation];
      for (const caller of callers) {
        const expected = caller.expect(access, ALLOWED_STATUS[operation], operation);
        const request = t.http[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](
          path,
        ).set(caller.headers);
        const response = await (method === 'GET' || method === 'DELETE'
          ? request
          : request.send({}));
        checked += 1;
        if (response.status !== expected) {
          mismatches.push(
            `${operation} as ${caller.name}: ${response.status}, expected ${expected}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    // 45 operations × (1 anonymous + 4 roles + 2 keys per permission set + 1 admin + 2 plans).
    expect(checked).toBeGreaterThanOrEqual(45 * 16);
  }, 120_000); // every operation × every caller, one request each: past 30 s on a busy machine
});
