import { applyDecorators, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import type { Permission } from '../../auth/permissions';

/**
 * Every route declares who may call it; a route without a declaration is refused at run time
 * and fails the route-declaration test, so nothing is silently open.
 */
export type AccessPolicy =
  | { kind: 'public' }
  | { kind: 'platform' }
  /** Operations endpoints (GET /metrics): a scrape token, never a user credential. */
  | { kind: 'scrape' }
  | { kind: 'tenant'; permissions: readonly Permission[] };

export const ACCESS_POLICY = 'tenantry:access-policy';

/** Declares the policy, and publishes it in the OpenAPI document as `x-access` for clients. */
export const setAccessPolicy = (policy: AccessPolicy) =>
  applyDecorators(SetMetadata(ACCESS_POLICY, policy), ApiExtension('x-access', policy));

const reflector = new Reflector();

/** The policy a route declares (a handler's own overrides its controller's), if any. */
export function accessPolicyOf(context: ExecutionContext): AccessPolicy | undefined {
  return reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
    context.getHandler(),
    context.getClass(),
  ]);
}

/** No credential needed (health, liveness). */
export const Public = () => setAccessPolicy({ kind: 'public' });

export const OUTSIDE_TENANT_TRANSACTION = 'tenantry:outside-tenant-transaction';

/**
 * For a tenant route whose handler reads or writes no tenant table and may wait a while (POST
 * /v1/events waits for Kafka): the caller is still checked in a short tenant transaction, but
 * the handler runs outside it, holding no pooled connection while it waits.
 */
export const OutsideTenantTransaction = () =>
  applyDecorators(
    SetMetadata(OUTSIDE_TENANT_TRANSACTION, true),
    // Published so the document leaves out the 503 of a tenant being moved: such a route is
    // not held (its handler writes no tenant table; POST /v1/events keeps answering 202).
    ApiExtension('x-outside-tenant-transaction', true),
  );

export function isOutsideTenantTransaction(context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(OUTSIDE_TENANT_TRANSACTION, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}
