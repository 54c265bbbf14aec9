import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../../tenancy/scope/actor';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { sha256Hex } from '../../common/sha256';
import {
  ACCESS_TOKEN_ISSUER,
  ACCESS_TOKEN_SECONDS,
  ADMIN_REFRESH_TOKEN_SECONDS,
  ADMIN_TOKEN_AUDIENCE,
} from '../token-policy';
import { PlatformAdminRefreshTokensRepository } from './platform-admin-refresh-tokens.repository';
import { PlatformAdminsRepository } from './platform-admins.repository';

export interface AdminTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** Operator refreshes by outcome; `reused` means a copied refresh token: worth an alert. */
export const ADMIN_REFRESHES = 'tenantry_admin_session_refreshes_total';

const ADMIN_REFRESH_TOKEN = /^art_[A-Za-z0-9_-]{43}$/;
const INVALID_CREDENTIALS = 'Invalid credentials';

/**
 * Operator sessions: the admin access token, and refresh tokens rotated on every use. A rotated
 * token presented again revokes its whole family (someone else holds a copy). A family ends 12
 * hours after its login whatever the refreshes (ADMIN_REFRESH_TOKEN_SECONDS), and a disabled
 * admin's refresh is refused. Every rotation, reuse and logout goes to the platform audit log.
 */
@Injectable()
export class PlatformAdminSessionsService {
  constructor(
    private readonly tokens: PlatformAdminRefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly jwt: JwtService,
    private readonly platformAudit: PlatformAuditService,
    @InjectMetric(ADMIN_REFRESHES) private readonly refreshes: Counter<'outcome'>,
  ) {}

  /** A password login's tokens: a new family, ending ADMIN_REFRESH_TOKEN_SECONDS from now. */
  async start(adminId: string): Promise<AdminTokens> {
    const expiresAt = new Date(Date.now() + ADMIN_REFRESH_TOKEN_SECONDS * 1000);
    const refreshToken = newRefreshToken();
    await this.tokens.insertFirst({
      adminId,
      familyId: randomUUID(),
      tokenHash: sha256Hex(refreshToken),
      expiresAt,
    });
    return this.answer(adminId, refreshToken, expiresAt);
  }

  async refresh(token: string, actor: Actor): Promise<AdminTokens> {
    if (!ADMIN_REFRESH_TOKEN.test(token)) {
      this.refreshes.inc({ outcome: 'invalid' });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    const outcome = await this.tokens.withLockedFamily(sha256Hex(token), async (family) => {
      const { stored } = family;
      if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) return null;
      if (stored.rotatedAt) {
        const revoked = await family.revokeFamily(stored.familyId);
        return { event: 'reused' as const, stored, revoked };
      }
      const admin = await this.admins.findById(stored.adminId);
      if (admin?.status !== 'active') {
        const revoked = await family.revokeFamily(stored.familyId);
        return { event: 'disabled' as const, stored, revoked };
      }
      await family.markRotated(stored.id);
      const next = newRefreshToken();
      await family.insert({
        adminId: stored.adminId,
        familyId: stored.familyId,
        tokenHash: sha256Hex(next),
        expiresAt: stored.expiresAt,
      });
      return { event: 'rotated' as const, stored, next, revoked: 0 };
    });
    this.refreshes.inc({ outcome: outcome?.event ?? 'invalid' });
    if (!outcome) throw new UnauthorizedException(INVALID_CREDENTIALS);
    const { stored } = outcome;
    await this.platformAudit.record(
      {
        action: `admin_refresh_token.${outcome.event}`,
        resourceType: 'platform_admin',
        resourceId: stored.adminId,
        details: {
          family_id: stored.familyId,
          ...(outcome.event === 'rotated' ? {} : { revoked_tokens: outcome.revoked }),
        },
      },
      { ...actor, type: 'platform_admin', id: stored.adminId },
    );
    if (outcome.event !== 'rotated') throw new UnauthorizedException(INVALID_CREDENTIALS);
    return this.answer(stored.adminId, outcome.next, stored.expiresAt);
  }

  /** Revokes the token's family. Silent for unknown tokens: logout reveals nothing. */
  async logout(token: string, actor: Actor): Promise<void> {
    if (!ADMIN_REFRESH_TOKEN.test(token)) return;
    const ended = await this.tokens.withLockedFamily(sha256Hex(token), async (family) => {
      if (!family.stored) return null;
      const revoked = await family.revokeFamily(family.stored.familyId);
      return { stored: family.stored, revoked };
    });
    if (!ended) return;
    await this.platformAudit.record(
      {
        action: 'admin_logout',
        resourceType: 'platform_admin',
        resourceId: ended.stored.adminId,
        details: { family_id: ended.stored.familyId, revoked_tokens: ended.revoked },
      },
      { ...actor, type: 'platform_admin', id: ended.stored.adminId },
    );
  }

  private answer(adminId: string, refreshToken: string, expiresAt: Date): AdminTokens {
    const accessToken = this.jwt.sign(
      { sub: adminId, scope: 'platform', jti: randomUUID() },
      {
        algorithm: 'HS256',
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ADMIN_TOKEN_AUDIENCE,
        expiresIn: ACCESS_TOKEN_SECONDS,
      },
    );
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token: refreshToken,
      refresh_expires_in: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
    };
  }
}

function newRefreshToken(): string {
  return `art_${randomBytes(32).toString('base64url')}`;
}
