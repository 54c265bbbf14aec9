/** Every permission a tenant credential can carry. Routes name the ones they need. */
export const PERMISSIONS = [
  'settings:read',
  'settings:write',
  'users:read',
  'users:write',
  'api_keys:read',
  'api_keys:write',
  'audit:read',
  'events:write',
  'analytics:read',
  'dashboards:read',
  'dashboards:write',
  // End-user erasure requests (GDPR art. 17): owners and admins only.
  'privacy:read',
  'privacy:write',
  // Export every data of the tenant (owners and admins): the archive holds users and audit log.
  'data:export',
  // The tenant's single sign-on (its identity provider, password login on or off): owners and admins.
  'sso:manage',
  // Custom domains (white label): which hostnames serve the tenant; owners and admins only.
  'domains:read',
  'domains:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'admin', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The one table of who may do what inside a tenant. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  analyst: [
    'settings:read',
    'events:write',
    'analytics:read',
    'dashboards:read',
    'dashboards:write',
  ],
  viewer: ['settings:read', 'analytics:read', 'dashboards:read'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Permissions of a role; an unknown role has none. */
export function permissionsOf(role: unknown): readonly Permission[] {
  return isRole(role) ? ROLE_PERMISSIONS[role] : [];
}

/** owner > admin > analyst > viewer: each role holds every permission of the ones below it. */
const ROLE_RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 };

/**
 * The weaker of two roles: what a token may do when its role claim and the user's current role
 * differ (a demotion takes effect at once; a promotion at the next token). Unknown: null.
 */
export function weakerRole(a: unknown, b: unknown): Role | null {
  if (!isRole(a) || !isRole(b)) return null;
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}
