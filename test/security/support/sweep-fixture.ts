import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import { adminAuth, bearer, createTenant, tenantToken } from '../../support/test-app';

/** One kind of caller, and the permissions it holds inside tenant A (platform: every one). */
export interface Credential {
  kind: 'owner' | 'viewer' | 'api key' | 'platform admin' | 'guest token' | 'none' | 'junk';
  headers: Record<string, string>;
  /** Which tenant permissions it holds; 'platform' reaches /admin routes too. */
  holds: (permission: string) => boolean;
  platform: boolean;
}

/** Everything the sweep acts on: tenant A (the caller's), tenant B (another's), and their ids. */
export interface SweepFixture {
  tenantA: { id: string; slug: string };
  tenantB: { id: string };
  /** A tenant /admin/tenants/{id} may suspend or delete. */
  victimTenantId: string;
  owner: Credential;
  viewer: Credential;
  admin: Credential;
  guest: Credential;
  none: Credential;
  junk: Credential[];
  /** An API key of tenant A holding exactly these scopes (made on first use). */
  apiKey(scopes: string[]): Promise<Credential>;
  /** Ids of tenant A's own resources, per collection (a user the sweep may change, a dashboard). */
  own: Record<string, string>;
  /** Ids of tenant B's resources of the same kinds. */
  foreign: Record<string, string>;
}

const VIEWER_PERMISSIONS = ['settings:read', 'analytics:read', 'dashboards:read'];
const DASHBOARD = {
  name: 'Sweep',
  widgets: [{ kind: 'kpi', title: 'Events', metric: 'events', options: { range_days: 7 } }],
};

async function created(
  call: Promise<{ status: number; body: Record<string, unknown>; text: string }>,
  what: string,
) {
  const response = await call;
  if (response.status >= 300) throw new Error(`${what}: ${response.status} ${response.text}`);
  return response.body;
}

/** Tenant A (enterprise: the longest retention, the largest ranges), tenant B and the callers. */
export async function buildFixture(http: TestAgent): Promise<SweepFixture> {
  const tenantA = await createTenant(http, { tier: 'enterprise' });
  const tenantB = await createTenant(http);
  const victim = await createTenant(http);
  // An hour: the sweep outlives the default five minutes.
  const asOwnerA = bearer(tenantToken(tenantA.id, { expiresIn: 3600 }));
  const asOwnerB = bearer(tenantToken(tenantB.id));

  const viewerUser = await created(
    http.post('/v1/users').set(asOwnerA).send({ email: 'viewer@sweep.example', role: 'viewer' }),
    'viewer',
  );
  const changeableUser = await created(
    http
      .post('/v1/users')
      .set(asOwnerA)
      .send({ email: 'changeable@sweep.example', role: 'analyst' }),
    'user',
  );
  const dashboardA = await created(
    http.post('/v1/dashboards').set(asOwnerA).send(DASHBOARD),
    'dashboard',
  );
  const keyA = await created(
    http
      .post('/v1/api-keys')
      .set(asOwnerA)
      .send({ name: 'sweep', scopes: ['events:write'] }),
    'key',
  );
  const userB = await created(
    http.post('/v1/users').set(asOwnerB).send({ email: 'b@sweep.example', role: 'analyst' }),
    'user B',
  );
  const dashboardB = await created(
    http.post('/v1/dashboards').set(asOwnerB).send(DASHBOARD),
    'dashboard B',
  );
  const keyB = await created(
    http
      .post('/v1/api-keys')
      .set(asOwnerB)
      .send({ name: 'b', scopes: ['events:write'] }),
    'key B',
  );
  const guest = await created(
    http
      .post('/v1/guest-token')
      .set(asOwnerA)
      .send({ dashboard_id: dashboardA.id, user: { id: 'guest-1' } }),
    'guest token',
  );

  const keys = new Map<string, Credential>();
  const apiKey = async (scopes: string[]): Promise<Credential> => {
    const id = [...scopes].sort().join(',');
    if (!keys.has(id)) {
      const key = await created(
        http
          .post('/v1/api-keys')
          .set(asOwnerA)
          .send({ name: `sweep ${id}`.slice(0, 100), scopes }),
        `key ${id}`,
      );
      keys.set(id, {
        kind: 'api key',
        headers: { 'X-API-Key': key.key as string },
        holds: (permission) => scopes.includes(permission),
        platform: false,
      });
    }
    return keys.get(id)!;
  };

  const refused = () => false;
  return {
    tenantA,
    tenantB,
    victimTenantId: victim.id,
    owner: { kind: 'owner', headers: asOwnerA, holds: () => true, platform: false },
    viewer: {
      kind: 'viewer',
      headers: bearer(
        tenantToken(tenantA.id, {
          claims: { sub: viewerUser.id, role: 'viewer' },
          expiresIn: 3600,
        }),
      ),
      holds: (permission) => VIEWER_PERMISSIONS.includes(permission),
      platform: false,
    },
    admin: {
      kind: 'platform admin',
      // Read when sent: createTestApp renews the admin token.
      get headers() {
        return { ...adminAuth, 'X-Tenant-ID': tenantA.id };
      },
      holds: () => true,
      platform: true,
    },
    guest: {
      kind: 'guest token',
      headers: bearer(guest.token as string),
      holds: refused,
      platform: false,
    },
    none: { kind: 'none', headers: {}, holds: refused, platform: false },
    junk: (
      [
        { Authorization: `Bearer ${'a'.repeat(4096)}` },
        {
          Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJ4Iiwicm9sZSI6Im93bmVyIn0.',
        },
        { Authorization: 'Basic YWRtaW46YWRtaW4=' },
        { 'X-API-Key': `tk_${'A'.repeat(8)}_${'b'.repeat(40)}` },
        { 'X-API-Key': `tk_${'x'.repeat(5000)}` },
      ] as Record<string, string>[]
    ).map((headers) => ({ kind: 'junk' as const, headers, holds: refused, platform: false })),
    apiKey,
    own: {
      users: changeableUser.id as string,
      dashboards: dashboardA.id as string,
      widgetId: (dashboardA.widgets as { id: string }[])[0].id,
      'api-keys': keyA.id as string,
      tenants: victim.id,
    },
    foreign: {
      users: userB.id as string,
      dashboards: dashboardB.id as string,
      'api-keys': keyB.id as string,
    },
  };
}

/** A fresh, valid event for tenant A, `ageDays` ago. */
export function sweepEvent(ageDays = 0): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    event_type: ['page_view', 'signup', 'purchase'][Math.floor(Math.random() * 3)],
    timestamp: new Date(Date.now() - ageDays * 86_400_000).toISOString(),
    user_id: `user-${Math.floor(Math.random() * 50)}`,
    session_id: `session-${Math.floor(Math.random() * 80)}`,
    properties: { country: ['DE', 'FR', 'US'][Math.floor(Math.random() * 3)], price: 10 },
  };
}
