import { ForbiddenException } from '@nestjs/common';
import type { Caller } from '../tenancy/scope/caller';
import { permissionsHeldBy } from './caller-permissions';
import type { Permission } from './permissions';

/** What a refused grant was about, for the audit entry the tenant transaction writes afterwards. */
export interface RefusedGrant {
  /** The request field that asked for too much: `role`, `scopes`, or `id` (a user above you). */
  field: string;
  /** What that field asked for (a role name, a list of scopes). */
  requested: string | readonly string[];
  missing: readonly Permission[];
  resourceType: 'user' | 'api_key';
  resourceId: string | null;
}

/**
 * 403: the caller tried to hand out (or take over) permissions it does not hold itself. Thrown
 * inside the tenant transaction, which rolls back so nothing is stored; the interceptor then
 * audits the refusal in a transaction of its own (the request's audit entry went with the
 * rollback).
 */
export class GrantBeyondOwnPermissionsException extends ForbiddenException {
  constructor(
    readonly refused: RefusedGrant,
    message: string,
    fieldMessage: string,
  ) {
    super({
      message,
      errors: [{ field: refused.field, message: fieldMessage }],
      missing_permissions: refused.missing,
    });
  }
}

/** The permissions in `wanted` that the caller does not hold. */
export function permissionsBeyond(caller: Caller, wanted: readonly Permission[]): Permission[] {
  const held = permissionsHeldBy(caller);
  return wanted.filter((permission) => !held.includes(permission));
}

/**
 * A caller may give (a role, a key's scopes, a token) only what it holds itself: otherwise a key
 * scoped `users:write` could create an admin and log in as it. API keys hold their scopes.
 */
export function assertMayGrant(
  caller: Caller,
  wanted: readonly Permission[],
  refusal: Omit<RefusedGrant, 'missing'>,
  describe: (missing: string) => { message: string; fieldMessage: string },
): void {
  const missing = permissionsBeyond(caller, wanted);
  if (missing.length > 0) {
    const { message, fieldMessage } = describe(missing.join(', '));
    throw new GrantBeyondOwnPermissionsException({ ...refusal, missing }, message, fieldMessage);
  }
}
