import { Injectable } from '@nestjs/common';
import { ascending } from '../../database/placements/merged-order';
import { PlatformDatabase } from '../../database/platform.database';

/** One tenant's analytics over a period, as platform_query_costs() sums it. */
export interface TenantCostRow {
  tenant_id: string;
  slug: string;
  name: string;
  queries: string;
  duration_ms: string;
  rows_read: string;
  bytes_read: string;
  cost: string;
}

/**
 * Every tenant's query cost log, read through platform_query_costs(), a SECURITY DEFINER
 * function only the platform role may call, in every placement database; the app role itself
 * reads one tenant at a time.
 */
@Injectable()
export class CostAttributionRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /**
   * The `limit` costliest tenants of [from, to), costliest first. An unreachable placement fails
   * the report (503) rather than leave its tenants out of it.
   */
  async costliestTenants(from: Date, to: Date, limit: number): Promise<TenantCostRow[]> {
    const rows = await this.platform.queryEveryPlacement<TenantCostRow>(
      'SELECT * FROM platform_query_costs($1, $2, $3)',
      [from.toISOString(), to.toISOString(), limit],
      { reader: 'platform_query_costs', unreachable: 'fail' },
    );
    return rows
      .sort(
        (a, b) => ascending(Number(b.cost), Number(a.cost)) || ascending(a.tenant_id, b.tenant_id),
      )
      .slice(0, limit);
  }
}
