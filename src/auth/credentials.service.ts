import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Environment } from '../config/environment';
import type { Principal } from '../tenancy/tenant-request';
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
 * Turns a bearer token into a principal. Two kinds for now: the platform admin token (compared
 * by SHA-256, so the token itself is never configured anywhere) and tenant JWTs signed HS256
 * with the app secret, which must carry `exp`, `sub` and `tenant_id`.
 */
@Injectable()
export class CredentialsService {
  private readonly adminTokenHash: Buffer;

  constructor(
    private readonly jwt: JwtService,
    private readonly apiKeys: ApiKeysService,
    private readonly platformAdmins: PlatformAdminsService,
    config: ConfigService<Environment, true>,
  ) {
    this.adminTokenHash = Buffer.from(
      config.get('PLATFORM_ADMIN_TOKEN_SHA256', { infer: true }),
      'hex',
    );
  }

  isPlatformAdminToken(token: string): boolean {
    const hash = createHash('sha256').update(token).digest();
    return hash.length === this.adminTokenHash.length && timingSafeEqual(hash, this.adminTokenHash);
  }

  async authenticate(token: string): Promise<Principal> {
    if (this.isPlatformAdminToken(token)) {
      return { kind: 'platform_admin', subject: 'platform-admin' };
    }
    if (token.startsWith('tk_')) {
      const principal = await this.apiKeys.authenticate(token);
      if (!principal) throw new UnauthorizedException('Invalid or revoked API key');
      return principal;
    }
    return this.verifyTenantToken(token);
  }

  async verifyTenantToken(token: string): Promise<Principal> {
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
