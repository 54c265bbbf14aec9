import { Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Actor } from '../../tenancy/scope/actor';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { isUuid } from '../../common/uuid';
import type { Environment } from '../../config/environment';
import { PasswordHasher } from '../password.hasher';
import { type AdminTokens, PlatformAdminSessionsService } from './platform-admin-sessions.service';
import { PlatformAdminsRepository } from './platform-admins.repository';

/**
 * Platform operator accounts: the first one from the environment, password login, status. On
 * the platform role's connection: the app role cannot read or change platform_admins.
 */
@Injectable()
export class PlatformAdminsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PlatformAdminsService.name);

  constructor(
    private readonly admins: PlatformAdminsRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: PlatformAdminSessionsService,
    private readonly config: ConfigService<Environment, true>,
    private readonly platformAudit: PlatformAuditService,
  ) {}

  /** Creates the first admin from PLATFORM_ADMIN_EMAIL/PASSWORD when there is none yet. */
  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.get('PLATFORM_ADMIN_EMAIL', { infer: true });
    const password = this.config.get('PLATFORM_ADMIN_PASSWORD', { infer: true });
    if ((await this.admins.count()) > 0) return;
    if (!email || !password) {
      this.logger.warn(
        'no platform admin exists and PLATFORM_ADMIN_EMAIL/PASSWORD are not set: /admin routes cannot be used',
      );
      return;
    }
    await this.admins.insert({ email, passwordHash: await this.hasher.hash(password) });
    this.logger.log(`created the first platform admin ${email}`);
  }

  async isActive(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.admins.findById(id))?.status === 'active';
  }

  /**
   * The same single 401 for an unknown email, a wrong password, a locked or disabled account.
   * Every attempt lands in the platform audit log with its real reason.
   */
  async login(
    email: string,
    password: string,
    actor: Actor,
  ): Promise<AdminTokens> {
    const admin = await this.admins.findByEmailWithPasswordHash(email);
    const refuse = async (reason: string, lockedNow = false) => {
      await this.platformAudit.record(
        {
          action: 'admin_login.failed',
          resourceType: 'platform_admin',
          resourceId: admin?.id ?? null,
          details: { email, reason, ...(lockedNow ? { locked: true } : {}) },
        },
        { ...actor, type: 'anonymous', id: null },
      );
      return new UnauthorizedException('Invalid credentials');
    };
    // Claim an attempt first (see login-attempts.ts), then check the password with no lock held.
    const claimed = admin?.status === 'active' && (await this.admins.claimLoginAttempt(admin.id));
    const matched = await this.hasher.verify(claimed ? admin.passwordHash : null, password);
    if (!admin || !claimed) {
      throw await refuse(
        !admin ? 'unknown_email' : admin.status !== 'active' ? 'disabled' : 'locked',
      );
    }
    const { locked } = await this.admins.settleLoginAttempt(admin.id, matched);
    if (!matched) throw await refuse('wrong_password', locked);
    await this.platformAudit.record(
      {
        action: 'admin_login.succeeded',
        resourceType: 'platform_admin',
        resourceId: admin.id,
        details: { email: admin.email },
      },
      { ...actor, type: 'platform_admin', id: admin.id },
    );
    return this.sessions.start(admin.id);
  }
}
