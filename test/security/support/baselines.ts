import { randomUUID } from 'node:crypto';
import type { SweepFixture } from './sweep-fixture';
import { sweepEvent } from './sweep-fixture';

let counter = 0;
const unique = () => `${process.pid.toString(36)}${Date.now().toString(36)}${(counter += 1)}`;

/**
 * A valid body for each operation that takes one: the sweep changes one field of it at a time,
 * so a refusal can only be about that field. A new body route fails the sweep until it has one.
 */
export function baselineBodies(f: SweepFixture): Record<string, () => Record<string, unknown>> {
  return {
    'POST /v1/users': () => ({ email: `u${unique()}@sweep.example`, role: 'viewer' }),
    'PATCH /v1/users/{id}': () => ({ role: 'analyst' }),
    'POST /auth/login': () => ({
      tenant: f.tenantA.slug,
      email: 'nobody@sweep.example',
      password: 'not the password',
    }),
    'POST /auth/refresh': () => ({ refresh_token: randomUUID() }),
    'POST /auth/logout': () => ({ refresh_token: randomUUID() }),
    'POST /auth/password': () => ({ token: randomUUID(), password: 'a long enough passphrase' }),
    'POST /v1/api-keys': () => ({ name: 'sweep key', scopes: ['analytics:read'] }),
    // Never the real admin's e-mail: failed logins would lock it out.
    'POST /auth/admin/login': () => ({
      email: 'nobody@sweep.example',
      password: 'not the password',
    }),
    'POST /auth/admin/refresh': () => ({ refresh_token: randomUUID() }),
    'POST /auth/admin/logout': () => ({ refresh_token: randomUUID() }),
    'POST /admin/tenants': () => {
      const slug = `sweep-${unique()}`;
      return { name: 'Sweep tenant', slug, owner_email: `owner@${slug}.example` };
    },
    'PATCH /admin/tenants/{id}': () => ({ name: 'Sweep victim' }),
    // The seeded enterprise figures: a version the sweep adds changes nothing other suites see.
    'POST /admin/plans': () => ({
      code: 'enterprise',
      price_cents_per_month: 249_900,
      events_per_month: 100_000_000,
      over_quota: 'overage',
      overage_cents_per_1000_events: 3,
      api_requests_per_minute: 2000,
      storage_gb: 500,
      users: null,
      event_sources: null,
      data_retention_days: 730,
      features: ['white_label', 'sso', 'funnels_retention'],
    }),
    'PUT /admin/tenants/{id}/overrides': () => ({ users: 50 }),
    // Never the victim's slug: the sweep must not purge a tenant other suites may still read.
    'POST /admin/tenants/{id}/purge': () => ({ confirm_slug: 'sweep-not-its-slug', force: true }),
    'POST /admin/tenants/{id}/move': () => ({ placement: 'silo-1' }),
    // A wrong password: the sweep's owner never deletes its own tenant.
    'POST /v1/tenant/deletion': () => ({ password: 'not the password' }),
    'PATCH /v1/settings': () => ({ timezone: 'UTC' }),
    // Past the tenant's five domains the rest meet 409 (the bound), which is still an answer.
    'POST /v1/domains': () => ({ hostname: `sweep-${unique()}.sweep.example` }),
    // A narrow range: the first starts a small export, the rest meet 409 (one at a time).
    'POST /v1/exports': () => ({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }),
    'POST /v1/events': () => sweepEvent(),
    'POST /v1/privacy/erasures': () => ({ user_id: `sweep-user-${unique()}` }),
    // A loopback issuer nothing listens on: discovery fails at once (400), nothing is stored.
    'PUT /v1/sso': () => ({
      issuer: 'http://127.0.0.1:9',
      client_id: 'sweep',
      client_secret: 'sweep client secret',
      default_role: 'viewer',
      password_login_enabled: true,
    }),
    'PUT /v1/branding': () => ({
      primary_color: '#0f766e',
      accent_color: '#f97316',
      background_color: '#ffffff',
      text_color: '#111827',
      embed_origins: ['https://app.sweep.example'],
    }),
    'POST /v1/analytics/funnel': () => ({
      steps: ['page_view', 'signup', 'purchase'],
      window_seconds: 86_400,
    }),
    'POST /v1/dashboards': () => ({
      name: 'Sweep board',
      widgets: [
        {
          kind: 'timeseries',
          title: 'Per day',
          metric: 'users',
          options: { range_days: 30, interval: 'day', event_type: 'page_view' },
        },
        {
          kind: 'breakdown',
          title: 'Countries',
          options: { range_days: 7, dimension: 'property.country', limit: 5 },
        },
      ],
    }),
    'PATCH /v1/dashboards/{id}': () => ({ name: 'Sweep board renamed' }),
    'POST /v1/guest-token': () => ({
      dashboard_id: f.own.dashboards,
      user: { id: 'guest-1' },
      filters: { country: 'DE' },
    }),
  };
}
