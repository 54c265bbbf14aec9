import { Injectable } from '@nestjs/common';
import type { Page } from '../../common/pagination';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { ListQueryCostsQuery } from './dto/list-query-costs.query';
import { QueryCost } from './query-cost.entity';

/** The query_costs table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class QueryCostsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  insert(values: Omit<QueryCost, 'id' | 'at'>): Promise<QueryCost> {
    return this.tenantContext.manager.getRepository(QueryCost).save(values);
  }

  /** The tenant's log, newest first, with the count and cost of every matching query. */
  async listPage(
    tenantId: string,
    query: ListQueryCostsQuery,
  ): Promise<Page<QueryCost> & { totalCost: number }> {
    const builder = this.tenantContext.manager
      .getRepository(QueryCost)
      .createQueryBuilder('q')
      .where('q.tenant_id = :tenantId', { tenantId });
    if (query.from) builder.andWhere('q.at >= :from', { from: query.from });
    if (query.to) builder.andWhere('q.at < :to', { to: query.to });
    if (query.kind) builder.andWhere('q.kind = :kind', { kind: query.kind });
    const totals = await builder
      .clone()
      .select('count(*)', 'total')
      .addSelect('coalesce(sum(q.cost), 0)', 'cost')
      .getRawOne<{ total: string; cost: string }>();
    const data = await builder
      .orderBy('q.at', 'DESC')
      .addOrderBy('q.id', 'DESC')
      .offset((query.page - 1) * query.limit)
      .limit(query.limit)
      .getMany();
    return {
      data,
      total: Number(totals?.total ?? 0),
      totalCost: Number(totals?.cost ?? 0),
      page: query.page,
      limit: query.limit,
    };
  }
}
