import { InvalidInputException } from '../../common/field-error';
import { validateBody } from '../../common/validate-body';
import type { Tenant } from '../../tenancy/tenant.entity';
import type { AnalyticsQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { type FunnelDefinition, MAX_FUNNEL_RANGE_DAYS } from '../query/funnel';
import { FunnelRequest } from './funnel.request';

export interface FunnelParams {
  query: AnalyticsQuery;
  funnel: FunnelDefinition;
}

/**
 * Reads a funnel's query string and body for the tenant: one 400 names every problem, the body's
 * first, then the query string's (which takes no `event_type`: the steps name the event types).
 * A valid range longer than MAX_FUNNEL_RANGE_DAYS is refused on its own.
 */
export async function parseFunnelParams(
  raw: Record<string, unknown>,
  body: unknown,
  tenant: Tenant,
  shared: SharedQueryReader,
): Promise<FunnelParams> {
  const checked = await validateBody(FunnelRequest, body);
  const query = await shared.parse(raw, tenant, { eventType: false, errors: checked.errors });
  const { filter } = query;
  if (filter.to.getTime() - filter.from.getTime() > MAX_FUNNEL_RANGE_DAYS * 86_400_000) {
    throw new InvalidInputException([
      { field: 'to', message: `a funnel reads at most ${MAX_FUNNEL_RANGE_DAYS} days` },
    ]);
  }
  const { steps, window_seconds: windowSeconds } = checked.value;
  return { query, funnel: { steps, windowSeconds } };
}
