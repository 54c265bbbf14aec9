import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '../../common/pagination';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { Dashboard } from './dashboard.entity';

/** The dashboards table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class DashboardsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get dashboards() {
    return this.tenantContext.manager.getRepository(Dashboard);
  }

  /** The default dashboard first, then oldest first. */
  async listPage(query: PageQuery): Promise<Page<Dashboard>> {
    const [data, total] = await this.dashboards.findAndCount({
      order: { isDefault: 'DESC', createdAt: 'ASC', id: 'ASC' },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return { data, total, page: query.page, limit: query.limit };
  }

  findById(id: string): Promise<Dashboard | null> {
    return this.dashboards.findOneBy({ id });
  }

  insert(
    values: Pick<Dashboard, 'tenantId' | 'name' | 'widgets' | 'isDefault'>,
  ): Promise<Dashboard> {
    return this.dashboards.save(this.dashboards.create(values));
  }

  /** Clears the default flag of whichever dashboard holds it. */
  async unsetDefault(): Promise<void> {
    await this.dashboards.update({ isDefault: true }, { isDefault: false });
  }

  async update(
    id: string,
    values: Partial<Pick<Dashboard, 'name' | 'widgets' | 'isDefault'>>,
  ): Promise<void> {
    await this.dashboards.update({ id }, { ...values, updatedAt: () => 'now()' });
  }

  async delete(id: string): Promise<void> {
    await this.dashboards.delete({ id });
  }
}
