import {
  ConflictException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditService } from '../../audit/audit.service';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { RefreshTokensRepository } from '../../auth/login/refresh-tokens.repository';
import { PasswordHasher } from '../../auth/password.hasher';
import { weakerRole } from '../../auth/permissions';
import { UsersRepository } from '../../auth/users/users.repository';
import type { Environment } from '../../config/environment';
import { PlatformDatabase } from '../../database/platform.database';
import type { Actor } from '../scope/actor';
import type { Caller } from '../scope/caller';
import { TenantContext } from '../scope/tenant.context';
import type { Tenant } from '../tenant.entity';
import { TenantLifecycleRepository } from './tenant-lifecycle.repository';
import { lifecycleActor } from './tenant-purge.service';
import { CredentialInvalidationListener } from '../scope/credential-cache/credential-invalidation.listener';

/**
 * Deleting a tenant, with a grace period, and restoring it within that grace.
 *
 * What "every credential stops at once" means here:
 * - access tokens, API keys (and so HTTP ingestion) and guest/embed tokens are REFUSED while the
 *   tenant is pending deletion (403: the tenant resolver, login, refresh and the embed gate read
 *   the tenant's status on every request), and work again after a restore: keys are not revoked,
 *   so integrations resume untouched;
 * - refresh-token families are REVOKED at deletion: every session ends, and after a restore users
 *   sign in again (a restore brings data back, not sessions: whoever had a laptop open during the
 *   deletion must prove who they are again);
 * - Kafka events of the tenant are dead-lettered as `tenant_deleted` (within the consumer's
 *   5-second tenant cache).
 * Each change is audited in the platform log (which outlives a purge) and the tenant's own log.
 */
@Injectable()
export class TenantDeletionService {
  private readonly logger = new Logger(TenantDeletionService.name);
  private readonly graceDays: number;

  constructor(
    private readonly lifecycle: TenantLifecycleRepository,
    private readonly platform: PlatformDatabase,
    private readonly tenantContext: TenantContext,
    private readonly audit: AuditService,
    private readonly platformAudit: PlatformAuditService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly invalidation: CredentialInvalidationListener,
    config: ConfigService<Environment, true>,
  ) {
    this.graceDays = config.get('TENANT_PURGE_GRACE_DAYS', { infer: true });
  }

  /**
   * The tenant's owner asks, re-entering their password, inside the request's own tenant
   * transaction: only a signed-in owner (not an API key, not a platform admin, who has
   * DELETE /admin/tenants/:id).
   */
  async requestByOwner(caller: Caller, tenant: Tenant, password: string, actor: Actor) {
    if (caller.kind !== 'tenant') {
      throw new ForbiddenException(
        "Only the tenant's owner, signed in with a password, may ask for its deletion",
      );
    }
    const user = await this.users.findByIdWithPasswordHash(caller.subject);
    // The weaker of the token's role and the user's current one, as the pipeline narrows it.
    if (!user || weakerRole(caller.role, user.role) !== 'owner' || user.status !== 'active') {
      throw new ForbiddenException("Only the tenant's owner may ask for its deletion");
    }
    // The re-entry counts as a login attempt: the same five-strikes lockout, claimed before
    // argon2 runs and settled after, each in a transaction of its own so a refusal (which rolls
    // the request's transaction back) still counts.
    const inOwnTransaction = <T>(work: () => Promise<T>) =>
      this.tenantContext.detached(() => this.tenantContext.runInTenant(tenant.id, work, actor));
    const claimed = await inOwnTransaction(() => this.users.claimLoginAttempt(user.id));
    const matched = claimed && (await this.hasher.verify(user.passwordHash, password));
    if (claimed) await inOwnTransaction(() => this.users.settleLoginAttempt(user.id, matched));
    if (!matched) {
      await this.platformAudit.record(
        {
          action: 'tenant.deletion_refused',
          resourceType: 'tenant',
          resourceId: tenant.id,
          details: { reason: claimed ? 'wrong_password' : 'locked', user_id: user.id },
        },
        lifecycleActor(actor),
      );
      throw new ForbiddenException({
        message: claimed
          ? 'The password is not correct'
          : 'Too many wrong passwords: the account is locked for 15 minutes',
        errors: [
          {
            field: 'password',
            message: claimed
              ? 'password does not match your account'
              : 'the account is locked after five wrong passwords; try again later',
          },
        ],
      });
    }
    // The status change commits on the platform connection, outside the request's transaction.
    return this.tenantContext.detached(() => this.requestDeletion(tenant.id, actor, 'owner'));
  }

  /**
   * active or suspended → pending_deletion until now + TENANT_PURGE_GRACE_DAYS. Asking again
   * while pending changes nothing (the grace does not restart) but revokes sessions again.
   */
  async requestDeletion(id: string, actor: Actor, by: 'admin' | 'owner'): Promise<Tenant> {
    const tenant = await this.lifecycle.findById(id);
    if (!tenant) throw new NotFoundException(`Tenant ${id} not found`);
    if (tenant.status === 'purging' || tenant.status === 'purged') {
      throw new ConflictException(`Tenant ${id} is already ${tenant.status}`);
    }
    const updated = await this.platform.runInTenant(
      id,
      async () => {
        if (await this.lifecycle.markPendingDeletion(id, this.graceDays)) {
          const after = await this.lifecycle.getInTransaction(id);
          await this.audit.record({
            action: 'tenant.deletion_requested',
            resourceType: 'tenant',
            resourceId: id,
            details: { by, purge_after: after.purgeAfter?.toISOString() },
          });
        }
        return this.lifecycle.getInTransaction(id);
      },
      actor,
    );
    // Committed: every app copy refuses the tenant's credentials from now on.
    await this.invalidation.tenantChanged(id);
    // Every session ends: the app role's own transaction (the platform role has no UPDATE on
    // refresh_tokens), after the status commit, so a refresh racing it is refused either way.
    const revoked = await this.tenantContext.runInTenant(id, () =>
      this.refreshTokens.revokeAllLive(),
    );
    await this.platformAudit.record(
      {
        action: 'tenant.deletion_requested',
        resourceType: 'tenant',
        resourceId: id,
        details: {
          by,
          slug: updated.slug,
          purge_after: updated.purgeAfter?.toISOString(),
          revoked_refresh_tokens: revoked,
        },
      },
      lifecycleActor(actor),
    );
    this.logger.log({
      msg: 'tenant pending deletion',
      tenant_id: id,
      by,
      purge_after: updated.purgeAfter?.toISOString(),
    });
    return updated;
  }

  /** pending_deletion within its grace → the status it had before; data untouched. */
  async restore(id: string, actor: Actor): Promise<Tenant> {
    const tenant = await this.lifecycle.findById(id);
    if (!tenant) throw new NotFoundException(`Tenant ${id} not found`);
    if (tenant.status !== 'pending_deletion') {
      throw new ConflictException(`Tenant ${id} is ${tenant.status}, not pending deletion`);
    }
    const restored = await this.platform.runInTenant(
      id,
      async () => {
        if (!(await this.lifecycle.restore(id))) {
          throw new ConflictException(
            `Tenant ${id}'s grace period is over (purge_after passed): it can no longer be restored`,
          );
        }
        await this.audit.record({
          action: 'tenant.restored',
          resourceType: 'tenant',
          resourceId: id,
        });
        return this.lifecycle.getInTransaction(id);
      },
      actor,
    );
    await this.invalidation.tenantChanged(id);
    await this.platformAudit.record(
      {
        action: 'tenant.restored',
        resourceType: 'tenant',
        resourceId: id,
        details: { slug: restored.slug, status: restored.status },
      },
      lifecycleActor(actor),
    );
    this.logger.log({ msg: 'tenant restored', tenant_id: id, status: restored.status });
    return restored;
  }
}
