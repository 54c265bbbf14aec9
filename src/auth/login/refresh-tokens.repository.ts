import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { RefreshToken } from './refresh-token.entity';

/** The refresh_tokens table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get tokens() {
    return this.tenantContext.manager.getRepository(RefreshToken);
  }

  async insert(
    values: Pick<RefreshToken, 'tenantId' | 'userId' | 'familyId' | 'tokenHash' | 'expiresAt'>,
  ): Promise<void> {
    await this.tokens.insert(values);
  }

  /**
   * The token's row, read after taking its family's lock (held to the end of the transaction).
   * Every refresh, reuse revocation and logout of one family runs one at a time, and each reads
   * after the previous one committed: a logout racing a refresh also revokes the token that
   * refresh just issued.
   */
  async findLockingFamily(tokenHash: string): Promise<RefreshToken | null> {
    const repository = this.tokens;
    const found = await repository.findOneBy({ tokenHash });
    if (!found) return null;
    await this.tenantContext.manager.query(
      'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
      [`refresh-family:${found.familyId}`],
    );
    // A new statement, so a new snapshot: whatever the lock holder committed is visible.
    return repository.findOneBy({ tokenHash });
  }

  async markRotated(id: string): Promise<void> {
    await this.tokens.update({ id }, { rotatedAt: new Date() });
  }

  /** Revokes every live token of the family; returns how many it revoked. */
  async revokeFamily(familyId: string): Promise<number> {
    const result = await this.tokens.update(
      { familyId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    return result.affected ?? 0;
  }

  /** Revokes every live token of the tenant (its deletion): every session ends at once. */
  async revokeAllLive(): Promise<number> {
    const result = await this.tokens.update({ revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }
}
