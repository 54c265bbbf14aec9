import { Injectable } from '@nestjs/common';
import { InvalidInputException } from '../../common/field-error';
import { CostAttributionRepository } from './cost-attribution.repository';
import type { CostAttributionQuery } from './dto/cost-attribution.query';
import type { CostAttributionResponse } from './dto/cost-attribution.response';

const DEFAULT_PERIOD_MS = 30 * 86_400_000;

/**
 * The operator's view of what each tenant's analytics cost over a period, costliest first.
 * Reads every tenant's query cost log through platform_query_costs(), a SECURITY DEFINER
 * function only the platform role may call; the app role itself reads one tenant at a time.
 */
@Injectable()
export class CostAttributionService {
  constructor(private readonly costs: CostAttributionRepository) {}

  async perTenant(query: CostAttributionQuery): Promise<CostAttributionResponse> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_PERIOD_MS);
    if (from >= to)
      throw new InvalidInputException([{ field: 'from', message: 'from must be before to' }]);
    const rows = await this.costs.costliestTenants(from, to, query.limit);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      data: rows.map((row) => ({
        tenant_id: row.tenant_id,
        slug: row.slug,
        name: row.name,
        queries: Number(row.queries),
        duration_ms: Number(row.duration_ms),
        rows_read: Number(row.rows_read),
        bytes_read: Number(row.bytes_read),
        estimated_cost: Number(row.cost),
      })),
    };
  }
}
