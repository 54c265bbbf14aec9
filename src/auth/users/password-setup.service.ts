import { BadRequestException, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { sha256Hex } from '../../common/sha256';
import { compactUuid, expandUuid } from '../../common/uuid';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantsService } from '../../tenancy/tenants.service';
import { PasswordHasher } from '../password.hasher';
import { PasswordSetTokensRepository } from './password-set-tokens.repository';
import { UsersRepository } from './users.repository';

export const PASSWORD_SET_TOKEN_SECONDS = 72 * 3600;
const PASSWORD_SET_TOKEN = /^pst_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

const INVALID = {
  message: 'The password-set token is invalid, used or expired',
  errors: [{ field: 'token', message: 'token is invalid, used or expired' }],
};

/** One-time password-set tokens: issued for a new owner, redeemed once within 72 hours. */
@Injectable()
export class PasswordSetupService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly tokens: PasswordSetTokensRepository,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /** Issues a token for `userId` in the current tenant scope; returns it once. */
  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const tenantId = this.tenantContext.tenantId;
    const token = `pst_${compactUuid(tenantId)}_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + PASSWORD_SET_TOKEN_SECONDS * 1000);
    await this.tokens.insert({ tenantId, userId, tokenHash: sha256Hex(token), expiresAt });
    return { token, expiresAt };
  }

  /**
   * Sets the password of the token's user and spends the token. The argon2 hash comes first, on
   * every path: otherwise a malformed token or an unknown tenant answers in a millisecond and a
   * real tenant's in tens, and the timing tells which tenants exist.
   */
  async redeem(token: string, password: string): Promise<void> {
    const passwordHash = await this.hasher.hash(password);
    const hex = PASSWORD_SET_TOKEN.exec(token)?.[1];
    const tenant = hex ? await this.tenants.findById(expandUuid(hex)) : null;
    if (!tenant || tenant.status !== 'active') throw new BadRequestException(INVALID);
    const done = await this.tenantContext.runInTenant(tenant.id, async () => {
      const stored = await this.tokens.findByHashForUpdate(sha256Hex(token));
      if (!stored || stored.usedAt || stored.expiresAt.getTime() <= Date.now()) return false;
      await this.tokens.markUsed(stored.id);
      await this.users.setPasswordHash(stored.userId, passwordHash);
      await this.audit.record(
        { action: 'user.password_set', resourceType: 'user', resourceId: stored.userId },
        { type: 'user', id: stored.userId, ip: null, userAgent: null },
      );
      return true;
    });
    if (!done) throw new BadRequestException(INVALID);
  }
}
