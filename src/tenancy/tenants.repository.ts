import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Page } from '../common/pagination';
import type { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantContext } from './scope/tenant.context';
import { Tenant } from './tenant.entity';

/**
 * The tenants table (platform-owned: no tenant_id, no RLS). Lookups read it on the app role's
 * connection; provisioning and changes write it in the transaction the caller opened (the new
 * tenant's scope, or the platform role's for a change), so the tenant row and what goes with it
 * commit together.
 */
@Injectable()
export class TenantsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
  ) {}

  private get tenants() {
    return this.dataSource.getRepository(Tenant);
  }

  /** The open transaction's view of the table. */
  private get inTransaction() {
    return this.tenantContext.manager.getRepository(Tenant);
  }

  /** Inserts the tenant in the open transaction (its provisioning). */
  insert(
    values: Pick<Tenant, 'id' | 'name' | 'slug' | 'tier' | 'planId'> &
      Partial<Pick<Tenant, 'placementId' | 'provisioning'>>,
  ): Promise<Tenant> {
    const repository = this.inTransaction;
    return repository.save(repository.create(values));
  }

  async listPage(query: ListTenantsQuery): Promise<Page<Tenant>> {
    const builder = this.tenants.createQueryBuilder('tenant');
    if (query.status) builder.andWhere('tenant.status = :status', { status: query.status });
    if (query.tier) builder.andWhere('tenant.tier = :tier', { tier: query.tier });
    if (query.search) {
      // The search text is a bound parameter; escaping only stops % and _ acting as wildcards.
      const pattern = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      builder.andWhere(
        "(tenant.name ILIKE :pattern ESCAPE '\\' OR tenant.slug ILIKE :pattern ESCAPE '\\')",
        { pattern },
      );
    }
    const [data, total] = await builder
      .orderBy('tenant.created_at', 'DESC')
      .addOrderBy('tenant.id', 'ASC')
      .skip((query.page - 1) * query.limit)
      .take(query.limit)
      .getManyAndCount();
    return { data, total, page: query.page, limit: query.limit };
  }

  findById(id: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id });
  }

  findBySlug(slug: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ slug });
  }

  /**
   * One conditional UPDATE in the open transaction, so a concurrent delete can never be
   * overwritten; false when the tenant is deleted (or missing).
   */
  async updateUnlessDeleted(
    id: string,
    values: Partial<Pick<Tenant, 'name' | 'tier' | 'status' | 'planId' | 'planOverrides'>>,
  ): Promise<boolean> {
    const result = await this.tenantContext.manager
      .createQueryBuilder()
      .update(Tenant)
      .set({ ...values, updatedAt: () => 'now()' })
      .where('id = :id AND status IN (:...live)', { id, live: ['active', 'suspended'] })
      .execute();
    return result.affected !== 0;
  }

  /** The tenant as the open transaction sees it (after a change in it). */
  getInTransaction(id: string): Promise<Tenant> {
    return this.inTransaction.findOneByOrFail({ id });
  }

  countByStatusAndTier(): Promise<{ status: string; tier: string; count: string }[]> {
    return this.dataSource.query<{ status: string; tier: string; count: string }[]>(
      'SELECT status, tier, count(*)::bigint AS count FROM tenants GROUP BY status, tier',
    );
  }

  async countCreatedInLast30Days(): Promise<string> {
    const [{ recent }] = await this.dataSource.query<{ recent: string }[]>(
      "SELECT count(*)::bigint AS recent FROM tenants WHERE created_at > now() - interval '30 days'",
    );
    return recent;
  }
}
