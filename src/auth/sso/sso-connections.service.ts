import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditService } from '../../audit/audit.service';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { InvalidInputException } from '../../common/field-error';
import type { Environment } from '../../config/environment';
import type { Actor } from '../../tenancy/scope/actor';
import type { Caller } from '../../tenancy/scope/caller';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Tenant } from '../../tenancy/tenant.entity';
import { mayManageOwners } from '../caller-permissions';
import type { UpdateSsoDto } from './dto/update-sso.dto';
import { describe, OidcIssuersDirectory } from './oidc-issuers.directory';
import { issuerProblem } from './oidc-http';
import type { SsoConnection } from './sso-connection.entity';
import { SsoConnectionsRepository } from './sso-connections.repository';
import {
  isSecretReference,
  openSecret,
  sealSecret,
  secretReferenceFor,
  ssoSecretKey,
} from './sso-secrets';

/**
 * The current tenant's SSO configuration: read, replace (audited, with the lockout guard), remove,
 * and the questions the logins ask of it. Always inside the tenant transaction (RLS).
 */
@Injectable()
export class SsoConnectionsService {
  private readonly secretKey: Buffer | null;
  readonly allowLoopbackHttp: boolean;

  constructor(
    private readonly connections: SsoConnectionsRepository,
    private readonly issuers: OidcIssuersDirectory,
    private readonly audit: AuditService,
    private readonly entitlements: EntitlementsService,
    private readonly tenantContext: TenantContext,
    config: ConfigService<Environment, true>,
  ) {
    this.secretKey = ssoSecretKey(config.get('SSO_SECRET_KEY', { infer: true }));
    this.allowLoopbackHttp = config.get('NODE_ENV', { infer: true }) !== 'production';
  }

  find(): Promise<SsoConnection | null> {
    return this.connections.find();
  }

  /** The connection when the tenant's plan includes SSO; without the feature it lies dormant. */
  async active(tenant: Tenant): Promise<SsoConnection | null> {
    const terms = await this.entitlements.termsOf(tenant);
    if (!terms.features.includes('sso')) return null;
    return this.connections.find();
  }

  /** Whether a non-owner may log in with a password (owners always may: the break-glass). */
  async passwordLoginAllowed(tenant: Tenant): Promise<boolean> {
    return (await this.active(tenant))?.passwordLoginEnabled ?? true;
  }

  /** The client secret in clear, or null when it cannot be had (key or variable gone). */
  clientSecretOf(connection: SsoConnection): string | null {
    if (connection.clientSecretRef) {
      return process.env[connection.clientSecretRef.slice('env:'.length)] || null;
    }
    if (!connection.clientSecretSealed || !this.secretKey) return null;
    return openSecret(this.secretKey, connection.tenantId, connection.clientSecretSealed);
  }

  /**
   * Runs outside the request's tenant transaction (the IdP is asked first, holding no pooled
   * connection), then checks and writes in one transaction of its own.
   */
  async replace(
    input: UpdateSsoDto,
    caller: Caller,
    tenant: Tenant,
    actor: Actor,
  ): Promise<SsoConnection> {
    // Whoever controls the IdP can sign in as any user of the tenant, owners included: setting
    // it is the owners' business, like the owner role itself (admins may read it and remove it).
    if (!mayManageOwners(caller)) {
      throw new ForbiddenException(
        'Only an owner (or a platform admin) sets the identity provider: it can sign in as any user of the tenant, owners included',
      );
    }
    const issuer = input.issuer.trim();
    const problem = issuerProblem(issuer, this.allowLoopbackHttp);
    if (problem) throw new InvalidInputException([{ field: 'issuer', message: problem }]);
    // Before the transaction: no connection or lock is held across a call to the IdP.
    try {
      await this.issuers.metadata(issuer);
    } catch (error) {
      throw new InvalidInputException([
        {
          field: 'issuer',
          message: `issuer's discovery document (/.well-known/openid-configuration) could not be read or does not name this issuer (${describe(error)})`,
        },
      ]);
    }
    return this.tenantContext.runInTenant(
      tenant.id,
      () => this.store(input, issuer, tenant),
      actor,
    );
  }

  private async store(input: UpdateSsoDto, issuer: string, tenant: Tenant): Promise<SsoConnection> {
    const existing = await this.connections.findForUpdate();
    const sameClient =
      existing !== null && existing.issuer === issuer && existing.clientId === input.client_id;
    // The lockout guard: proof that SSO works is a login with this very issuer and client.
    const lastSsoLoginAt = sameClient ? existing.lastSsoLoginAt : null;
    if (!input.password_login_enabled && !lastSsoLoginAt) {
      throw new ConflictException({
        message:
          'Password login can be turned off only after an SSO login with this issuer and client id ' +
          'has succeeded: log in once through SSO, then turn password login off',
        errors: [
          {
            field: 'password_login_enabled',
            message: 'needs one successful SSO login with this issuer and client id first',
          },
        ],
      });
    }
    const secret = this.secretFor(input.client_secret, sameClient ? existing : null, tenant);
    await this.connections.upsert({
      issuer,
      clientId: input.client_id,
      ...secret,
      defaultRole: input.default_role,
      passwordLoginEnabled: input.password_login_enabled,
      lastSsoLoginAt,
    });
    await this.audit.record({
      action: 'sso.configured',
      resourceType: 'sso_connection',
      resourceId: tenant.id,
      details: {
        issuer,
        client_id: input.client_id,
        default_role: input.default_role,
        password_login_enabled: input.password_login_enabled,
        client_secret:
          input.client_secret === undefined
            ? 'unchanged'
            : secret.clientSecretRef
              ? secret.clientSecretRef
              : 'replaced',
        created: existing === null,
      },
    });
    return (await this.connections.find()) as SsoConnection;
  }

  /** Removes the configuration (password login is then the only way in again). */
  async remove(tenant: Tenant): Promise<void> {
    const existing = await this.connections.findForUpdate();
    if (!existing) return;
    await this.connections.delete();
    await this.audit.record({
      action: 'sso.deleted',
      resourceType: 'sso_connection',
      resourceId: tenant.id,
      details: { issuer: existing.issuer, client_id: existing.clientId },
    });
  }

  async markLoginSucceeded(): Promise<void> {
    await this.connections.markLoginSucceeded();
  }

  consumeState(stateHash: string, expiresAt: Date): Promise<boolean> {
    return this.connections.consumeState(stateHash, expiresAt);
  }

  private secretFor(
    given: string | undefined,
    kept: SsoConnection | null,
    tenant: Tenant,
  ): Pick<SsoConnection, 'clientSecretSealed' | 'clientSecretRef'> {
    if (given === undefined) {
      if (kept)
        return {
          clientSecretSealed: kept.clientSecretSealed,
          clientSecretRef: kept.clientSecretRef,
        };
      throw new InvalidInputException([
        {
          field: 'client_secret',
          message: 'client_secret is required for a new issuer or client id',
        },
      ]);
    }
    if (isSecretReference(given)) {
      const allowed = secretReferenceFor(tenant.slug);
      if (given !== allowed) {
        throw new InvalidInputException([
          { field: 'client_secret', message: `client_secret may only reference ${allowed}` },
        ]);
      }
      if (!process.env[allowed.slice('env:'.length)]) {
        throw new InvalidInputException([
          {
            field: 'client_secret',
            message: `${allowed.slice('env:'.length)} is not set on the server: ask the operator to set it`,
          },
        ]);
      }
      return { clientSecretSealed: null, clientSecretRef: given };
    }
    if (!this.secretKey) {
      throw new InvalidInputException([
        {
          field: 'client_secret',
          message: `this server stores no client secrets (SSO_SECRET_KEY is not set): use ${secretReferenceFor(tenant.slug)}`,
        },
      ]);
    }
    return {
      clientSecretSealed: sealSecret(this.secretKey, tenant.id, given),
      clientSecretRef: null,
    };
  }
}
