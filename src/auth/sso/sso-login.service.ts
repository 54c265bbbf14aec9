import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Counter } from 'prom-client';
import { AuditService } from '../../audit/audit.service';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { PlanLimitReachedException } from '../../billing/plans/plan-refusals';
import type { Environment } from '../../config/environment';
import { sha256Hex } from '../../common/sha256';
import { isUniqueViolation } from '../../common/postgres-errors';
import type { Actor } from '../../tenancy/scope/actor';
import { TenantHostsService } from '../../tenancy/hosts/tenant-hosts.service';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Tenant } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';
import type { TokenPairResponse } from '../login/dto/token-pair.response';
import { SessionService } from '../login/session.service';
import { UsersRepository } from '../users/users.repository';
import type { LoginOptionsResponse } from './dto/login-options.dto';
import { describe, OidcIssuersDirectory, safeCode } from './oidc-issuers.directory';
import type { SsoConnection } from './sso-connection.entity';
import { SsoConnectionsService } from './sso-connections.service';
import {
  openState,
  sealState,
  SSO_STATE_SECONDS,
  type SsoLoginState,
  stateKey,
} from './sso-login-state';

export const SSO_LOGINS = 'tenantry_sso_logins_total';

/** The codes /app/login?error= shows; nothing of the IdP's own text ever reaches the page. */
export type SsoErrorCode =
  | 'sso_unavailable'
  | 'sso_expired'
  | 'sso_denied'
  | 'sso_failed'
  | 'sso_email_unverified'
  | 'sso_user_disabled'
  | 'sso_user_limit';

export interface SsoRedirect {
  location: string;
  /** A sealed login state to set as the state cookie (start). */
  stateCookie?: string;
  /** The session a successful callback started. */
  tokens?: TokenPairResponse;
}

class SsoLoginRefused extends Error {
  constructor(
    readonly reason: string,
    readonly code: SsoErrorCode,
    readonly details: Record<string, unknown> = {},
  ) {
    super(reason);
  }
}

const MAX_CODE_LENGTH = 2048;
const STATE = /^[A-Za-z0-9_-]{16,128}$/;

export function loginErrorLocation(code: SsoErrorCode): string {
  return `/app/login?error=${code}`;
}

/**
 * SSO login with a tenant's OIDC identity provider: the authorization code flow with PKCE (S256),
 * state and nonce; the ID token checked by openid-client (signature, issuer = the tenant's issuer,
 * audience = its client id, nonce, expiry); the user found by verified email or provisioned with
 * the tenant's default role; a session like a password login's. Every outcome is audited.
 */
@Injectable()
export class SsoLoginService {
  private readonly stateKey: Buffer;

  constructor(
    private readonly tenants: TenantsService,
    private readonly tenantContext: TenantContext,
    private readonly connections: SsoConnectionsService,
    private readonly issuers: OidcIssuersDirectory,
    private readonly users: UsersRepository,
    private readonly entitlements: EntitlementsService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly platformAudit: PlatformAuditService,
    private readonly hosts: TenantHostsService,
    @InjectMetric(SSO_LOGINS) private readonly logins: Counter<string>,
    private readonly logger: PinoLogger,
    config: ConfigService<Environment, true>,
  ) {
    this.stateKey = stateKey(config.get('JWT_SECRET', { infer: true }));
  }

  /** What the login page offers. An unknown tenant looks like one without SSO. */
  async loginOptions(
    slug: string | undefined,
    host: string | undefined,
  ): Promise<LoginOptionsResponse> {
    const found = await this.activeConnection(slug, host);
    if (!found) return { password_login: true, sso: false };
    return {
      password_login: found.connection.passwordLoginEnabled,
      sso: true,
      sso_start_url: `/auth/sso/start?tenant=${encodeURIComponent(found.tenant.slug)}`,
    };
  }

  /** The redirect to the tenant's IdP, and the sealed state for the cookie. */
  async start(
    slug: string | undefined,
    host: string | undefined,
    returnTo: string,
    redirectUri: string,
    actor: Actor,
  ): Promise<SsoRedirect> {
    const found = await this.activeConnection(slug, host, actor);
    if (!found) return { location: loginErrorLocation('sso_unavailable') };
    const { tenant, connection } = found;
    let config: oidc.Configuration;
    try {
      config = await this.issuers.configuration(connection.issuer, connection.clientId);
    } catch (error) {
      await this.recordFailure(tenant, 'discovery_failed', { error: describe(error) }, actor);
      return { location: loginErrorLocation('sso_unavailable') };
    }
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state: SsoLoginState = {
      tenantId: tenant.id,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier,
      redirectUri,
      returnTo,
      expiresAt: Date.now() + SSO_STATE_SECONDS * 1000,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: state.state,
      nonce: state.nonce,
    });
    return { location: url.href, stateCookie: sealState(this.stateKey, state) };
  }

  /**
   * The IdP's redirect back. Never throws: every failure is audited (in the tenant's log when the
   * state names one, else the platform's) and answered with a redirect to the login page.
   */
  async callback(
    query: Record<string, unknown>,
    cookie: string | undefined,
    host: string | undefined,
    actor: Actor,
  ): Promise<SsoRedirect> {
    const state = openState(this.stateKey, cookie);
    if (!state) {
      await this.recordPlatformFailure(null, 'invalid_state_cookie', actor);
      return { location: loginErrorLocation('sso_expired') };
    }
    // A tenant's custom domain signs in to no other tenant.
    const domainTenantId = await this.hosts.customDomainTenantId(host);
    if (domainTenantId && domainTenantId !== state.tenantId) {
      await this.hosts.recordForeignCredential(
        domainTenantId,
        host,
        'login',
        state.tenantId,
        actor,
      );
      return { location: loginErrorLocation('sso_unavailable') };
    }
    const tenant = await this.tenants.findById(state.tenantId);
    if (!tenant || tenant.status !== 'active') {
      await this.recordPlatformFailure(state.tenantId, 'tenant_not_active', actor);
      return { location: loginErrorLocation('sso_unavailable') };
    }
    try {
      const tokens = await this.complete(tenant, state, query, actor);
      this.logins.inc({ outcome: 'succeeded', reason: '' });
      return { location: state.returnTo, tokens };
    } catch (error) {
      const refusal =
        error instanceof SsoLoginRefused
          ? error
          : new SsoLoginRefused('internal_error', 'sso_failed', { error: describe(error) });
      if (!(error instanceof SsoLoginRefused)) {
        this.logger.error({ tenant_id: tenant.id, err: error }, 'SSO callback failed');
      }
      await this.recordFailure(tenant, refusal.reason, refusal.details, actor).catch(
        (auditError: unknown) => this.logger.error({ err: auditError }, 'audit failed'),
      );
      return { location: loginErrorLocation(refusal.code) };
    }
  }

  private async complete(
    tenant: Tenant,
    state: SsoLoginState,
    query: Record<string, unknown>,
    actor: Actor,
  ): Promise<TokenPairResponse> {
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    const idpError = text('error');
    if (idpError !== undefined) {
      throw new SsoLoginRefused('idp_error', 'sso_denied', { idp_error: safeCode(idpError) });
    }
    const code = text('code');
    const returnedState = text('state');
    if (!code || code.length > MAX_CODE_LENGTH || !/^[\x21-\x7e]+$/.test(code)) {
      throw new SsoLoginRefused('invalid_code', 'sso_failed');
    }
    if (!returnedState || !STATE.test(returnedState) || !sameText(returnedState, state.state)) {
      throw new SsoLoginRefused('state_mismatch', 'sso_failed');
    }
    const connection = await this.tenantContext.runInTenant(tenant.id, () =>
      this.connections.active(tenant),
    );
    if (!connection) throw new SsoLoginRefused('sso_not_configured', 'sso_unavailable');
    // RFC 9207: the IdP names itself in its redirect; another tenant's IdP gives itself away here.
    const returnedIssuer = text('iss');
    if (returnedIssuer !== undefined && returnedIssuer !== connection.issuer) {
      throw new SsoLoginRefused('issuer_mismatch', 'sso_failed', {
        expected_issuer: connection.issuer,
        returned_issuer: returnedIssuer.slice(0, 512),
      });
    }
    // Single use: the first callback with this state records it; a replay finds it recorded.
    const fresh = await this.tenantContext.runInTenant(tenant.id, () =>
      this.connections.consumeState(sha256Hex(state.state), new Date(state.expiresAt)),
    );
    if (!fresh) throw new SsoLoginRefused('state_replayed', 'sso_expired');
    const secret = this.connections.clientSecretOf(connection);
    if (secret === null) throw new SsoLoginRefused('client_secret_unavailable', 'sso_unavailable');
    const identity = await this.exchange(connection, secret, state, query);
    return this.tenantContext.runInTenant(
      tenant.id,
      () => this.signIn(tenant, connection, identity, actor),
      actor,
    );
  }

  /** The code for tokens at the tenant's IdP, the ID token checked, the email and its status. */
  private async exchange(
    connection: SsoConnection,
    secret: string,
    state: SsoLoginState,
    query: Record<string, unknown>,
  ): Promise<{ sub: string; email: string; emailVerified: boolean }> {
    const config = await this.issuers
      .configuration(connection.issuer, connection.clientId, secret)
      .catch((error: unknown) => {
        throw new SsoLoginRefused('discovery_failed', 'sso_unavailable', {
          error: describe(error),
        });
      });
    const current = new URL(state.redirectUri);
    for (const [name, value] of Object.entries(query)) {
      if (typeof value === 'string') current.searchParams.set(name, value);
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: state.codeVerifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SsoLoginRefused('code_exchange_failed', 'sso_failed', { error: describe(error) });
    }
    const claims = tokens.claims();
    // openid-client checked these against the tenant's discovery document and client id.
    if (!claims || claims.iss !== connection.issuer) {
      throw new SsoLoginRefused('id_token_issuer_mismatch', 'sso_failed');
    }
    let email = claims.email;
    let verified = claims.email_verified;
    if (typeof email !== 'string') {
      const info = await oidc
        .fetchUserInfo(config, tokens.access_token, claims.sub)
        .catch((error: unknown) => {
          throw new SsoLoginRefused('userinfo_failed', 'sso_failed', { error: describe(error) });
        });
      email = info.email;
      verified = info.email_verified;
    }
    if (typeof email !== 'string' || email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
      throw new SsoLoginRefused('no_email_claim', 'sso_failed', { sub: claims.sub.slice(0, 256) });
    }
    return { sub: claims.sub.slice(0, 256), email, emailVerified: verified === true };
  }

  /** In the tenant transaction: the user found or provisioned, the login audited, a session. */
  private async signIn(
    tenant: Tenant,
    connection: SsoConnection,
    identity: { sub: string; email: string; emailVerified: boolean },
    actor: Actor,
  ): Promise<TokenPairResponse> {
    const details = { email: identity.email, sub: identity.sub, issuer: connection.issuer };
    if (!identity.emailVerified) {
      throw new SsoLoginRefused('email_not_verified', 'sso_email_unverified', details);
    }
    let user = await this.users.findByEmailWithPasswordHash(identity.email);
    const provisioned = !user;
    if (user && user.status !== 'active') {
      throw new SsoLoginRefused('user_disabled', 'sso_user_disabled', {
        ...details,
        user_id: user.id,
      });
    }
    if (!user) {
      try {
        await this.entitlements.assertBelowLimit(tenant, 'users', () =>
          this.users.countActiveLocked(),
        );
      } catch (error) {
        if (error instanceof PlanLimitReachedException) {
          throw new SsoLoginRefused('users_limit_reached', 'sso_user_limit', details);
        }
        throw error;
      }
      user = await this.users
        .insert({
          tenantId: tenant.id,
          email: identity.email,
          role: connection.defaultRole,
          passwordHash: null,
        })
        .catch((error: unknown) => {
          // Two first logins of one person at once: the other one provisioned them.
          if (isUniqueViolation(error))
            throw new SsoLoginRefused('concurrent_provisioning', 'sso_failed', details);
          throw error;
        });
      await this.audit.record(
        {
          action: 'user.created',
          resourceType: 'user',
          resourceId: user.id,
          details: { email: user.email, role: user.role, with_password: false, via: 'sso' },
        },
        { ...actor, type: 'user', id: user.id },
      );
    }
    await this.connections.markLoginSucceeded();
    await this.audit.record(
      {
        action: 'sso.login.succeeded',
        resourceType: 'user',
        resourceId: user.id,
        details: { ...details, provisioned, role: user.role },
      },
      { ...actor, type: 'user', id: user.id },
    );
    return this.sessions.startSession(tenant.id, user);
  }

  /**
   * The tenant (by slug, else by the Host's verified custom domain) and its SSO connection, when
   * it has one in force. On another tenant's custom domain: none (audited there when `actor`).
   */
  private async activeConnection(
    slug: string | undefined,
    host: string | undefined,
    actor?: Actor,
  ): Promise<{ tenant: Tenant; connection: SsoConnection } | null> {
    const domainTenantId = await this.hosts.customDomainTenantId(host);
    const tenant = slug
      ? await this.tenants.findBySlug(slug)
      : domainTenantId
        ? await this.tenants.findById(domainTenantId)
        : null;
    if (tenant && domainTenantId && tenant.id !== domainTenantId) {
      if (actor) {
        await this.hosts.recordForeignCredential(domainTenantId, host, 'login', tenant.id, actor);
      }
      return null;
    }
    if (!tenant || tenant.status !== 'active') return null;
    const connection = await this.tenantContext.runInTenant(tenant.id, () =>
      this.connections.active(tenant),
    );
    return connection ? { tenant, connection } : null;
  }

  /** No tenant log to write to (no state, or its tenant is gone): the platform's log keeps it. */
  private async recordPlatformFailure(
    tenantId: string | null,
    reason: string,
    actor: Actor,
  ): Promise<void> {
    this.logins.inc({ outcome: 'failed', reason });
    await this.platformAudit
      .record(
        {
          action: 'sso.login.failed',
          resourceType: 'tenant',
          resourceId: tenantId,
          details: { reason },
        },
        { ...actor, type: 'anonymous', id: null },
      )
      .catch((error: unknown) => this.logger.error({ err: error }, 'platform audit failed'));
  }

  private async recordFailure(
    tenant: Tenant,
    reason: string,
    details: Record<string, unknown>,
    actor: Actor,
  ): Promise<void> {
    this.logins.inc({ outcome: 'failed', reason });
    this.logger.info({ tenant_id: tenant.id, reason }, 'SSO login refused');
    await this.tenantContext.runInTenant(
      tenant.id,
      () =>
        this.audit.record(
          {
            action: 'sso.login.failed',
            resourceType: 'sso_connection',
            resourceId: tenant.id,
            details: { reason, ...details },
          },
          actor,
        ),
      actor,
    );
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(sha256Hex(a));
  const right = Buffer.from(sha256Hex(b));
  return timingSafeEqual(left, right);
}
