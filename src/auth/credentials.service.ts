import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Caller } from '../tenancy/scope/caller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, ADMIN_TOKEN_AUDIENCE } from './token-policy';
import { PlatformAdminsService } from './platform-admins/platform-admins.service';
import { isUuid } from '../common/uuid';

export {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  accessTokenSignOptions,
  ADMIN_TOKEN_AUDIENCE,
} from './token-policy';

interface TenantTokenClaims {
  aud?: unknown;
  sub?: unknown;
  tenant_id?: unknown;
  role?: unknown;
  exp?: unknown;
}

/**
 * Turns a bearer token into a principal: `tk_` API keys (looked up by hash), otherwise an HS256
 * JWT signed with the app secret that must carry `exp` and `sub` — a tenant user's access token
 * (audience tenantry-api, with `tenant_id`) or a platform admin's (audience tenantry-admin).
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly jwt: JwtService,
    private readonly apiKeys: ApiKeysService,
    private readonly platformAdmins: PlatformAdminsService,
  ) {}

  async authenticate(token: string): Promise<Caller> {
    if (token.startsWith('tk_')) {
      const principal = await this.apiKeys.authenticate(token);
      if (!principal) throw new UnauthorizedException('Invalid or revoked API key');
      return principal;
    }
    return this.verifyTenantToken(token);
  }

  async verifyTenantToken(token: string): Promise<Caller> {
    let claims: TenantTokenClaims;
    try {
      // Pinning the algorithm refuses `alg: none` and any asymmetric-key confusion.
      claims = await this.jwt.verifyAsync<TenantTokenClaims & object>(token, {
        algorithms: ['HS256'],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: [ACCESS_TOKEN_AUDIENCE, ADMIN_TOKEN_AUDIENCE],
      });
    } catch (error) {
      const expired = (error as Error).name === 'TokenExpiredError';
      throw new UnauthorizedException(expired ? 'Token has expired' : 'Invalid token');
    }
    if (typeof claims.exp !== 'number') throw new UnauthorizedException('Token has no expiry');
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
      throw new UnauthorizedException('Token has no subject');
    }
    if (claims.aud === ADMIN_TOKEN_AUDIENCE) {
      // A platform admin's login: valid only while the account is active.
      if (!(await this.platformAdmins.isActive(claims.sub))) {
        throw new UnauthorizedException('This platform admin is disabled or no longer exists');
      }
      return { kind: 'platform_admin', subject: claims.sub };
    }
    if (!isUuid(claims.tenant_id)) {
      throw new UnauthorizedException('Token has no valid tenant_id claim');
    }
    return {
      kind: 'tenant',
      subject: claims.sub,
      tenantId: claims.tenant_id.toLowerCase(),
      role: typeof claims.role === 'string' ? claims.role : undefined,
    };
  }
}
