import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Permission } from '../../auth/permissions';

/**
 * Caller: the credential that authenticated this request and what it may do — a tenant user's
 * token (with its role), a tenant's API key (with its scopes), or a platform admin. Decides
 * access. (Actor, in ./actor, is the same party as the audit log records it: for the record.)
 */
export type Caller =
  | { kind: 'tenant'; subject: string; tenantId: string; role?: string }
  | {
      kind: 'api_key';
      subject: string;
      tenantId: string;
      keyId: string;
      scopes: readonly Permission[];
    }
  | { kind: 'platform_admin'; subject: string };

/** `@Caller()`: the authenticated caller of a tenant or admin route (set by the access guards). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const caller = context.switchToHttp().getRequest<Request & { caller?: Caller }>().caller;
  if (!caller) throw new Error('@Caller() used on a route without an authenticated caller');
  return caller;
});
