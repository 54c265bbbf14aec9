import { routeTemplate } from '../../common/route-template';
import {
  CallHandler,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  NestInterceptor,
  UnauthorizedException,
} from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import { actorOf, type Actor } from './actor';
import { AuditService } from '../../audit/audit.service';
import { CrossTenantAttemptsService } from '../../audit/cross-tenant/cross-tenant-attempts.service';
import { ResourceNotFoundException } from './resource-not-found.exception';
import { isUuid } from '../../common/uuid';
import { CredentialCacheStore } from './credential-cache/credential-cache.store';
import { TenantContext } from './tenant.context';
import type { TenantRequest } from './tenant-request';
import { accessPolicyOf, isOutsideTenantTransaction } from './access-policy';
import { GrantBeyondOwnPermissionsException } from '../../auth/grant-policy';
import { permissionsOf, weakerRole } from '../../auth/permissions';
import { UsersRepository } from '../../auth/users/users.repository';
import { TenantHoldsStore } from './tenant-holds.store';
import { TENANT_HELD_RETRY_AFTER_SECONDS, TenantHeldException } from './tenant-held.exception';
import type { Response } from 'express';

/**
 * Step 3, global, for tenant routes only: runs a tenant-scoped handler inside its tenant's transaction: commit when the handler
 * succeeds, roll back when it throws. The tenant was resolved by the auth guard before this.
 * First, in the same transaction, a user credential must still name an active user whose
 * current role grants the route's permissions, so a disabled, deleted or demoted user's
 * unexpired token stops working at once (a promotion takes effect at the next refresh).
 * A 404 for a resource id is checked afterwards, in a transaction of its own (the request's was
 * rolled back): if another tenant owns the id, that tenant's audit log records the attempt.
 * A refused grant (a role, scopes beyond the caller's own) is audited the same way, afterwards,
 * in the caller's own tenant.
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  private readonly logger = new Logger(TenantTransactionInterceptor.name);

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly crossTenantAttempts: CrossTenantAttemptsService,
    private readonly audit: AuditService,
    private readonly users: UsersRepository,
    private readonly cache: CredentialCacheStore,
    private readonly holds: TenantHoldsStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Global: only tenant routes run in a tenant transaction; the rest pass straight through.
    if (accessPolicyOf(context)?.kind !== 'tenant') return next.handle();
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const { tenant, caller: principal } = request;
    if (!tenant || !principal)
      throw new Error('TenantTransactionInterceptor ran before tenant resolution');
    // A tenant being moved (its last seconds, issue 18): writes wait outside, reads go on.
    // Routes outside the tenant transaction are not held: ingestion keeps answering 202 and its
    // events wait in the writer; the others' own tenant transactions wait at the fence.
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    if (write && !isOutsideTenantTransaction(context) && this.holds.isHeld(tenant.id)) {
      const response = context.switchToHttp().getResponse<Response>();
      response.setHeader('Retry-After', String(TENANT_HELD_RETRY_AFTER_SECONDS));
      throw new TenantHeldException();
    }
    const actor = actorOf(request, principal);
    // Only a user token's user is read from PostgreSQL, and not when the cache knows it.
    const known =
      principal.kind === 'tenant' ? this.cache.cachedUser(tenant.id, principal.subject) : undefined;
    const checkCaller = async (): Promise<void> => {
      if (principal.kind !== 'tenant') return;
      const current = known?.role ?? (await this.currentRoleOf(tenant.id, principal.subject));
      // From here on the request acts with the weaker of the token's role and today's.
      principal.role = weakerRole(principal.role, current) ?? undefined;
      this.assertRoleGrants(context, current, principal.role);
    };
    const handle = () =>
      lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
    const needsTransaction = principal.kind === 'tenant' && !known;
    const work = isOutsideTenantTransaction(context)
      ? // The caller is checked in a short transaction when it must be; the handler, which
        // touches no tenant table and may wait on Kafka or the store, holds no connection.
        (needsTransaction
          ? this.tenantContext.runInTenant(tenant.id, checkCaller, actor)
          : checkCaller()
        ).then(() => this.tenantContext.detached(handle))
      : this.tenantContext.runInTenant(
          tenant.id,
          async (): Promise<unknown> => {
            await checkCaller();
            return handle();
          },
          actor,
        );
    return from(
      work.catch(async (error: unknown) => {
        if (error instanceof ResourceNotFoundException) {
          await this.crossTenantAttempts.recordIfForeign(tenant.id, error, actor, {
            method: request.method,
            route: routeTemplate(request),
            requestId: typeof request.id === 'string' ? request.id : undefined,
          });
        }
        if (error instanceof GrantBeyondOwnPermissionsException) {
          await this.recordRefusedGrant(tenant.id, error, actor, request);
        }
        throw error;
      }),
    );
  }

  /** The caller still gets its 403 if the audit write fails; the operator sees the failure. */
  private async recordRefusedGrant(
    tenantId: string,
    error: GrantBeyondOwnPermissionsException,
    actor: Actor,
    request: TenantRequest,
  ): Promise<void> {
    const { field, requested, missing, resourceType, resourceId } = error.refused;
    await this.tenantContext
      .runInTenant(
        tenantId,
        () =>
          this.audit.record({
            action: 'permission_grant.refused',
            resourceType,
            resourceId,
            details: {
              field,
              requested,
              missing_permissions: missing,
              method: request.method,
              route: routeTemplate(request),
            },
          }),
        actor,
      )
      .catch((failure: unknown) =>
        this.logger.error({ err: failure, tenant_id: tenantId }, 'could not audit a refused grant'),
      );
  }

  /**
   * The user's role now, or 401 if the user is gone or disabled. An active user's role is
   * cached per tenant until a change to the tenant's users is announced; a refusal never is.
   */
  private async currentRoleOf(tenantId: string, userId: string): Promise<string> {
    const user = isUuid(userId)
      ? await this.cache.user(tenantId, userId, async () => {
          const found = await this.users.findStatusAndRole(userId);
          return found?.status === 'active' ? { role: found.role } : null;
        })
      : null;
    if (!user) throw new UnauthorizedException('This user is disabled or no longer exists');
    return user.role;
  }

  private assertRoleGrants(
    context: ExecutionContext,
    current: string,
    effective: string | undefined,
  ): void {
    const policy = accessPolicyOf(context);
    const granted = permissionsOf(effective);
    const missing =
      policy?.kind === 'tenant' ? policy.permissions.filter((p) => !granted.includes(p)) : [];
    if (missing.length > 0) {
      throw new ForbiddenException(
        `Your role (${current}) no longer grants: ${missing.join(', ')}; sign in again`,
      );
    }
  }
}
