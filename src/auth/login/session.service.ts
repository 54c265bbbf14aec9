import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../../tenancy/scope/actor';
import { AuditService } from '../../audit/audit.service';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { sha256Hex } from '../../common/sha256';
import { compactUuid, expandUuid } from '../../common/uuid';
import { TenantHostsService } from '../../tenancy/hosts/tenant-hosts.service';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { slugFromHost } from '../../tenancy/slug';
import type { Tenant } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';
import {
  ACCESS_TOKEN_SECONDS,
  accessTokenSignOptions,
  REFRESH_TOKEN_SECONDS,
} from '../token-policy';
import { PasswordHasher } from '../password.hasher';
import { permissionsOf } from '../permissions';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { SsoConnectionsService } from '../sso/sso-connections.service';
import { LoginDto } from './dto/login.dto';
import type { TokenPairResponse } from './dto/token-pair.response';
import { RefreshTokensRepository } from './refresh-tokens.repository';

/** What the first step of a login found: the account, its hash if an attempt was claimed. */
interface LoginClaim {
  user: User | null;
  passwordHash: string | null;
  refusal: 'unknown_email' | 'disabled' | 'locked' | 'password_login_disabled' | null;
}

const NO_ACTOR: Actor = { type: 'anonymous', id: null, ip: null, userAgent: null };

/** One answer for every failed login or refresh, so none reveals whether a tenant or email exists. */
const INVALID_CREDENTIALS = 'Invalid credentials';
const REFRESH_TOKEN = /^rt_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** Password login, refresh-token rotation with reuse detection, logout. */
@Injectable()
export class SessionService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly tenantContext: TenantContext,
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    private readonly platformAudit: PlatformAuditService,
    private readonly sso: SsoConnectionsService,
    private readonly hosts: TenantHostsService,
  ) {}

  async login(
    input: LoginDto,
    host: string | undefined,
    baseDomain: string,
    actor?: Actor,
  ): Promise<TokenPairResponse> {
    const slug = input.tenant ?? slugFromHost(host, baseDomain);
    // A tenant's verified custom domain names it too, and logs in to no other tenant.
    const domainTenantId = await this.hosts.customDomainTenantId(host);
    const tenant = slug
      ? await this.tenants.findBySlug(slug)
      : domainTenantId
        ? await this.tenants.findById(domainTenantId)
        : null;
    if (tenant && domainTenantId && tenant.id !== domainTenantId) {
      await this.hasher.verify(null, input.password);
      await this.hosts.recordForeignCredential(
        domainTenantId,
        host,
        'login',
        tenant.id,
        actor ?? NO_ACTOR,
      );
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    if (!tenant || tenant.status !== 'active') {
      await this.hasher.verify(null, input.password);
      // No tenant log to write it to: the platform's own log keeps it.
      await this.platformAudit.record(
        {
          action: 'login.failed',
          resourceType: 'tenant',
          resourceId: tenant?.id ?? null,
          details: {
            tenant: slug ?? null,
            email: input.email,
            reason: tenant ? 'tenant_not_active' : 'unknown_tenant',
          },
        },
        { ...(actor ?? NO_ACTOR), type: 'anonymous', id: null },
      );
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    // 1. Find the account and claim an attempt (committed: failures count even on a 401).
    const claim = await this.tenantContext.runInTenant(
      tenant.id,
      () => this.claimAttempt(tenant, input.email),
      actor,
    );
    // 2. The password check, outside any transaction and row lock; the same argon2 work whether
    //    or not the account exists.
    const matched = await this.hasher.verify(claim.passwordHash, input.password);
    // 3. Settle, audit, and issue tokens on success.
    const tokens = await this.tenantContext.runInTenant(
      tenant.id,
      () => this.settleAttempt(tenant, input, claim, matched),
      actor,
    );
    if (!tokens) throw new UnauthorizedException(INVALID_CREDENTIALS);
    return tokens;
  }

  private async claimAttempt(tenant: Tenant, email: string): Promise<LoginClaim> {
    const user = await this.users.findByEmailWithPasswordHash(email);
    if (!user) return { user: null, passwordHash: null, refusal: 'unknown_email' };
    if (user.status !== 'active') return { user, passwordHash: null, refusal: 'disabled' };
    // SSO only, when the tenant says so; owners keep their password (the break-glass).
    if (user.role !== 'owner' && !(await this.sso.passwordLoginAllowed(tenant))) {
      return { user, passwordHash: null, refusal: 'password_login_disabled' };
    }
    if (!(await this.users.claimLoginAttempt(user.id))) {
      return { user, passwordHash: null, refusal: 'locked' };
    }
    return { user, passwordHash: user.passwordHash, refusal: null };
  }

  private async settleAttempt(
    tenant: Tenant,
    input: LoginDto,
    claim: LoginClaim,
    matched: boolean,
  ): Promise<TokenPairResponse | null> {
    const { user, refusal } = claim;
    if (!user || refusal) {
      await this.recordLogin('login.failed', user?.id ?? null, {
        email: input.email,
        reason: refusal,
      });
      return null;
    }
    const { locked } = await this.users.settleLoginAttempt(user.id, matched);
    if (!matched) {
      await this.recordLogin('login.failed', user.id, {
        email: input.email,
        reason: 'wrong_password',
        locked,
      });
      return null;
    }
    await this.recordLogin('login.succeeded', user.id, { email: user.email });
    return this.issue(tenant.id, user, randomUUID());
  }

  private async recordLogin(
    action: string,
    userId: string | null,
    details: Record<string, unknown>,
  ) {
    const actor = this.tenantContext.current?.actor;
    await this.audit.record(
      { action, resourceType: 'user', resourceId: userId, details },
      actor && action === 'login.succeeded' ? { ...actor, type: 'user', id: userId } : actor,
    );
  }

  /**
   * Rotates a refresh token. Presenting one that was already rotated revokes its whole family
   * (someone else holds a copy); that, and every rotation, is audited as the token's user.
   */
  async refresh(token: string, actor?: Actor): Promise<TokenPairResponse> {
    const tenant = await this.tenantOf(token);
    const tokens = await this.tenantContext.runInTenant(tenant.id, async () => {
      const stored = await this.refreshTokens.findLockingFamily(sha256Hex(token));
      if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) return null;
      const asUser = actor && { ...actor, type: 'user' as const, id: stored.userId };
      if (stored.rotatedAt) {
        const revoked = await this.refreshTokens.revokeFamily(stored.familyId);
        await this.audit.record(
          {
            action: 'refresh_token.reused',
            resourceType: 'user',
            resourceId: stored.userId,
            details: { family_id: stored.familyId, revoked_tokens: revoked },
          },
          asUser,
        );
        return null;
      }
      const user = await this.users.findById(stored.userId);
      if (!user || user.status !== 'active') return null;
      await this.refreshTokens.markRotated(stored.id);
      await this.audit.record(
        {
          action: 'refresh_token.rotated',
          resourceType: 'user',
          resourceId: user.id,
          details: { family_id: stored.familyId },
        },
        asUser,
      );
      return this.issue(tenant.id, user, stored.familyId);
    });
    if (!tokens) throw new UnauthorizedException(INVALID_CREDENTIALS);
    return tokens;
  }

  /** Revokes the token's family. Silent for unknown tokens: logout reveals nothing. */
  async logout(token: string, actor?: Actor): Promise<void> {
    const tenant = await this.tenantOf(token).catch(() => null);
    if (!tenant) return;
    await this.tenantContext.runInTenant(tenant.id, async () => {
      const stored = await this.refreshTokens.findLockingFamily(sha256Hex(token));
      if (!stored) return;
      const revoked = await this.refreshTokens.revokeFamily(stored.familyId);
      await this.audit.record(
        {
          action: 'logout',
          resourceType: 'user',
          resourceId: stored.userId,
          details: { family_id: stored.familyId, revoked_tokens: revoked },
        },
        actor && { ...actor, type: 'user', id: stored.userId },
      );
    });
  }

  private async tenantOf(token: string): Promise<Tenant> {
    const match = REFRESH_TOKEN.exec(token);
    const hex = match?.[1];
    const id = hex && expandUuid(hex);
    const tenant = id ? await this.tenants.findById(id) : null;
    if (!tenant || tenant.status !== 'active') throw new UnauthorizedException(INVALID_CREDENTIALS);
    return tenant;
  }

  /**
   * A new session (a new token family) for a user another login proved, such as SSO: call it in
   * that tenant's transaction, after auditing the login.
   */
  startSession(tenantId: string, user: User): Promise<TokenPairResponse> {
    return this.issue(tenantId, user, randomUUID());
  }

  private async issue(tenantId: string, user: User, familyId: string): Promise<TokenPairResponse> {
    const accessToken = this.jwt.sign(
      {
        sub: user.id,
        tenant_id: tenantId,
        role: user.role,
        permissions: permissionsOf(user.role),
        jti: randomUUID(),
      },
      accessTokenSignOptions(ACCESS_TOKEN_SECONDS),
    );
    // The tenant id travels in the token so the lookup can run under that tenant's RLS scope.
    const refreshToken = `rt_${compactUuid(tenantId)}_${randomBytes(32).toString('base64url')}`;
    await this.refreshTokens.insert({
      tenantId,
      userId: user.id,
      familyId,
      tokenHash: sha256Hex(refreshToken),
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_SECONDS * 1000),
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token: refreshToken,
      refresh_expires_in: REFRESH_TOKEN_SECONDS,
    };
  }
}
