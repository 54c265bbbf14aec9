import { Injectable } from '@nestjs/common';
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
 * function only the platform role may call; the app role itself reads one tenant at a time.
 */
@Injectable()
export class CostAttributionRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /** The `limit` costliest tenants of [from, to), costliest first. */
  costliestTenants(from: Date, to: Date, limit: number): Promise<TenantCostRow[]> {
    return this.platform.query<TenantCostRow[]>('SELECT * FROM platform_query_costs($1, $2, $3)', [
      from.toISOString(),
      to.toISOString(),
      limit,
    ]);
  }
}
