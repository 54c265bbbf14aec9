import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_ISSUER,
  EMBED_TOKEN_AUDIENCE,
  GUEST_TOKEN_SECONDS,
} from '../../auth/token-policy';
import { isUuid } from '../../common/uuid';
import { EmbedRefusal, type GuestTokenClaims } from './guest-token-claims';

/**
 * Signs and checks guest tokens: HS256 with the app's JWT secret, issuer `tenantry`, audience
 * `embed`, five minutes. Tenant access tokens carry another audience, so neither kind is ever
 * taken for the other (CredentialsService pins tenantry-api / tenantry-admin; this pins embed).
 */
@Injectable()
export class GuestTokensService {
  constructor(private readonly jwt: JwtService) {}

  async issue(
    claims: Pick<GuestTokenClaims, 'tenant_id' | 'dashboard_id' | 'embed_user' | 'filters'>,
  ): Promise<{ token: string; expiresAt: Date; jti: string }> {
    // Random and unique per token: the issuance audit entry names it, so a leaked token can be
    // traced to its issuance (and, later, denied by id).
    const jti = randomUUID();
    const subject =
      'email' in claims.embed_user
        ? `email:${claims.embed_user.email}`
        : `id:${claims.embed_user.id}`;
    const token = await this.jwt.signAsync(
      { ...claims, jti },
      {
        algorithm: 'HS256',
        issuer: ACCESS_TOKEN_ISSUER,
        audience: EMBED_TOKEN_AUDIENCE,
        subject,
        expiresIn: GUEST_TOKEN_SECONDS,
      },
    );
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresAt: new Date(exp * 1000), jti };
  }

  /** The claims of a valid, unexpired guest token; EmbedRefusal otherwise. */
  async verify(token: string | undefined): Promise<GuestTokenClaims> {
    if (!token) throw new EmbedRefusal('missing');
    let claims: Partial<GuestTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<GuestTokenClaims> & object>(token, {
        algorithms: ['HS256'],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: EMBED_TOKEN_AUDIENCE,
      });
    } catch (error) {
      throw new EmbedRefusal((error as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid');
    }
    if (
      typeof claims.exp !== 'number' ||
      !isUuid(claims.tenant_id) ||
      !isUuid(claims.dashboard_id) ||
      typeof claims.embed_user !== 'object' ||
      claims.embed_user === null ||
      !isStringRecord(claims.filters) ||
      // Every token this app issues names itself; one without a jti was not made here.
      !isUuid(claims.jti)
    ) {
      throw new EmbedRefusal('invalid');
    }
    return {
      tenant_id: claims.tenant_id.toLowerCase(),
      dashboard_id: claims.dashboard_id.toLowerCase(),
      embed_user: claims.embed_user,
      filters: claims.filters,
      exp: claims.exp,
      jti: claims.jti.toLowerCase(),
    };
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
