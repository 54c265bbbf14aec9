import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { PasswordSetToken } from './password-set-token.entity';

/** The password_set_tokens table, always in the tenant transaction (RLS). */
@Injectable()
export class PasswordSetTokensRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get tokens() {
    return this.tenantContext.manager.getRepository(PasswordSetToken);
  }

  async insert(
    values: Pick<PasswordSetToken, 'tenantId' | 'userId' | 'tokenHash' | 'expiresAt'>,
  ): Promise<void> {
    await this.tokens.insert(values);
  }

  /** The token of that hash, locked FOR UPDATE: one redemption at a time. */
  findByHashForUpdate(tokenHash: string): Promise<PasswordSetToken | null> {
    return this.tokens
      .createQueryBuilder('token')
      .where('token.token_hash = :hash', { hash: tokenHash })
      .setLock('pessimistic_write')
      .getOne();
  }

  async markUsed(id: string): Promise<void> {
    await this.tokens.update({ id }, { usedAt: new Date() });
  }
}
