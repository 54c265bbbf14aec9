import type { Caller } from '../tenancy/scope/caller';
import { type Permission, PERMISSIONS, permissionsOf } from './permissions';

/** The permissions a caller holds in the tenant it acts on. */
export function permissionsHeldBy(caller: Caller): readonly Permission[] {
  if (caller.kind === 'platform_admin') return PERMISSIONS;
  if (caller.kind === 'api_key') return caller.scopes;
  return permissionsOf(caller.role);
}

/** Owners and platform admins alone may grant, change or take away the owner role. */
export function mayManageOwners(caller: Caller): boolean {
  return caller.kind === 'platform_admin' || (caller.kind === 'tenant' && caller.role === 'owner');
}
