import type { Tenant } from '../../tenancy/tenant.entity';
import type { AnalyticsQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';

/** GET /v1/analytics/summary takes the shared parameters only. */
export interface SummaryParams {
  query: AnalyticsQuery;
}

/** Reads the summary's query string for the tenant, or one 400 naming every bad parameter. */
export async function parseSummaryParams(
  raw: Record<string, unknown>,
  tenant: Tenant,
  shared: SharedQueryReader,
): Promise<SummaryParams> {
  return { query: await shared.parse(raw, tenant) };
}
