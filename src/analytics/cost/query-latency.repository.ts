import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';

export interface QueryLatency {
  queries: number;
  /** null when there was no query. */
  p95Ms: number | null;
}

/** Latency figures of the current tenant's query cost log (tenant transaction: RLS). */
@Injectable()
export class QueryLatencyRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  /** How many analytics queries the tenant ran since `since`, and their 95th percentile. */
  async since(tenantId: string, since: Date): Promise<QueryLatency> {
    const [row] = await this.tenantContext.manager.query<{ queries: string; p95: string | null }[]>(
      `SELECT count(*) AS queries,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM query_costs
        WHERE tenant_id = $1 AND at >= $2`,
      [tenantId, since.toISOString()],
    );
    return {
      queries: Number(row?.queries ?? 0),
      p95Ms: row?.p95 === null || row?.p95 === undefined ? null : Number(row.p95),
    };
  }
}
