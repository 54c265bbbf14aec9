import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, TenantRequest } from '../tenancy/tenant-request';
import { type Permission, PERMISSIONS, permissionsOf } from './permissions';

/** The permissions a caller holds in the tenant it acts on. */
export function permissionsHeldBy(principal: Principal): readonly Permission[] {
  if (principal.kind === 'platform_admin') return PERMISSIONS;
  if (principal.kind === 'api_key') return principal.scopes;
  return permissionsOf(principal.role);
}

/** Owners and platform admins alone may grant, change or take away the owner role. */
export function mayManageOwners(principal: Principal): boolean {
  return (
    principal.kind === 'platform_admin' ||
    (principal.kind === 'tenant' && principal.role === 'owner')
  );
}

/** The authenticated caller of a tenant-scoped route (set by TenantAuthGuard). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<TenantRequest>().principal;
  if (!principal) throw new Error('@Caller() used on a route without an authenticated principal');
  return principal;
});
