import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Page } from '../../common/pagination';
import type { ListQueryCostsQuery } from './dto/list-query-costs.query';
import type { QueryCost } from './query-cost.entity';
import { QueryCostsRepository } from './query-costs.repository';
import { estimateQueryCost, type QueryKind } from './query-cost-model';
import type { ReadTotals } from './read-meter';

export const QUERY_DURATION = 'tenantry_analytics_query_duration_seconds';
export const QUERY_ROWS_READ = 'tenantry_analytics_query_rows_read_total';
export const QUERY_COST = 'tenantry_analytics_query_cost_dollars_total';

export interface QueryCostEntry {
  tenantId: string;
  kind: QueryKind;
  route: string;
  store: 'clickhouse' | 'postgres';
  durationMs: number;
  reads: ReadTotals;
}

/** Writes the query cost log and its metrics, and reads a tenant's own log back. */
@Injectable()
export class QueryCostService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly costs: QueryCostsRepository,
    @InjectMetric(QUERY_DURATION) private readonly duration: Histogram<string>,
    @InjectMetric(QUERY_ROWS_READ) private readonly rowsRead: Counter<string>,
    @InjectMetric(QUERY_COST) private readonly cost: Counter<string>,
  ) {}

  /** Records one query, in the request's tenant transaction when one is open. */
  async record(entry: QueryCostEntry): Promise<QueryCost> {
    const cost = estimateQueryCost(entry.kind, entry.reads.rowsRead, entry.durationMs);
    const labels = { kind: entry.kind, store: entry.store };
    // The route template (a closed set of analytics routes), never a tenant: bounded series.
    this.duration.observe({ ...labels, route: entry.route }, entry.durationMs / 1000);
    this.rowsRead.inc(labels, entry.reads.rowsRead);
    this.cost.inc(labels, cost);
    const insert = () =>
      this.costs.insert({
        tenantId: entry.tenantId,
        kind: entry.kind,
        route: entry.route.slice(0, 64),
        store: entry.store,
        durationMs: entry.durationMs.toFixed(3),
        rowsRead: String(Math.round(entry.reads.rowsRead)),
        bytesRead: String(Math.round(entry.reads.bytesRead)),
        cost: cost.toFixed(9),
      });
    return this.tenantContext.current
      ? insert()
      : this.tenantContext.runInTenant(entry.tenantId, insert);
  }

  /** The calling tenant's log, newest first, with the cost of every matching query. */
  async list(query: ListQueryCostsQuery): Promise<Page<QueryCost> & { totalCost: number }> {
    return this.costs.listPage(this.tenantContext.tenantId, query);
  }
}
