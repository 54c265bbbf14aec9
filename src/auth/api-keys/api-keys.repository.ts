import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { ApiKey } from './api-key.entity';

/** The api_keys table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get keys() {
    return this.tenantContext.manager.getRepository(ApiKey);
  }

  /**
   * The tenant's event sources (live keys holding events:write), counted under a transaction
   * lock of that count, so two creations at once cannot both see room for one more.
   */
  async countLiveEventSourcesLocked(): Promise<number> {
    await this.tenantContext.manager.query(
      "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.event_sources:' || $1, 0))",
      [this.tenantContext.tenantId],
    );
    const [{ count }] = await this.tenantContext.manager.query<{ count: string }[]>(
      "SELECT count(*)::bigint AS count FROM api_keys WHERE revoked_at IS NULL AND 'events:write' = ANY (scopes)",
    );
    return Number(count);
  }

  insert(
    values: Pick<ApiKey, 'tenantId' | 'name' | 'prefix' | 'secretHash' | 'scopes'>,
  ): Promise<ApiKey> {
    return this.keys.save(this.keys.create(values));
  }

  getById(id: string): Promise<ApiKey> {
    return this.keys.findOneByOrFail({ id });
  }

  listLive(): Promise<ApiKey[]> {
    return this.keys.find({
      where: { revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Revokes a live key; false when there was none (missing, revoked, another tenant's). */
  async revoke(id: string): Promise<boolean> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected !== 0;
  }

  /** The key of that prefix, with its secret hash. */
  findByPrefixWithSecret(prefix: string): Promise<ApiKey | null> {
    return this.keys
      .createQueryBuilder('key')
      .addSelect('key.secretHash')
      .where('key.prefix = :prefix', { prefix })
      .getOne();
  }

  /** At most one write a minute per key, not one per request. */
  async touchLastUsed(id: string): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE api_keys SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
