import { createTestApp, TestApp } from '../support/test-app';

describe('Swagger document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves the OpenAPI document at /docs-json with every route and both credential schemes', async () => {
    const response = await t.http.get('/docs-json').expect(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths).sort()).toEqual(
      [
        '/admin/statistics',
        '/admin/audit-log',
        '/auth/admin/login',
        '/auth/admin/refresh',
        '/auth/admin/logout',
        '/auth/login',
        '/auth/login-options',
        '/auth/sso/start',
        '/auth/sso/callback',
        '/v1/sso',
        '/auth/logout',
        '/auth/me',
        '/auth/password',
        '/auth/refresh',
        '/admin/tenants',
        '/admin/placements',
        '/admin/tenants/{id}/move',
        '/admin/tenants/{id}/moves/{move_id}',
        '/admin/tenants/{id}',
        '/admin/tenants/{id}/statistics',
        '/admin/tenants/{id}/health',
        '/admin/silent-tenants',
        '/admin/tenants/{id}/overrides',
        '/admin/tenants/{id}/restore',
        '/admin/tenants/{id}/purge',
        '/v1/tenant/deletion',
        '/admin/plans',
        '/health',
        '/health/jobs',
        '/health/live',
        '/v1/api-keys',
        '/v1/audit-log',
        '/v1/events',
        '/v1/analytics/summary',
        '/v1/analytics/timeseries',
        '/v1/analytics/breakdown',
        '/v1/analytics/funnel',
        '/v1/analytics/retention',
        '/v1/usage',
        '/v1/usage/daily',
        '/v1/usage/queries',
        '/v1/invoices',
        '/v1/invoices/upcoming',
        '/v1/invoices/{id}',
        '/v1/privacy/erasures',
        '/v1/exports',
        '/v1/exports/{id}',
        '/v1/exports/{id}/download',
        '/admin/tenants/{id}/import',
        '/v1/privacy/erasures/{id}',
        '/admin/invoices',
        '/admin/cost-attribution',
        '/admin/isolation-report',
        '/admin/backups',
        '/v1/api-keys/{id}',
        '/v1/branding',
        '/v1/dashboards',
        '/v1/dashboards/{id}',
        '/v1/guest-token',
        '/v1/settings',
        '/v1/users',
        '/v1/users/{id}',
        '/v1/domains',
        '/v1/domains/{id}',
        '/v1/domains/{id}/verify',
        '/tls/ask',
      ].sort(),
    );
    expect(Object.keys(response.body.components.securitySchemes).sort()).toEqual([
      'api-key',
      'platform-admin',
      'tenant-token',
    ]);
    expect(response.body.paths['/v1/settings'].get.security).toEqual([
      { 'tenant-token': [] },
      { 'api-key': [] },
    ]);
    expect(response.body.paths['/admin/tenants'].post.security).toEqual([{ 'platform-admin': [] }]);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await t.http.get('/docs').expect(200);
    expect(response.text).toContain('swagger-ui');
  });
});
