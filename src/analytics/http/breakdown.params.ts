import { type FieldError, InvalidInputException } from '../../common/field-error';
import type { Tenant } from '../../tenancy/tenant.entity';
import type { AnalyticsQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import type { Dimension } from '../stores/analytics-store';

export const BREAKDOWN_PARAMETERS = ['dimension', 'limit'];

export interface BreakdownParams {
  query: AnalyticsQuery;
  dimension: Dimension;
  limit: number;
}

/**
 * Reads the breakdown's query string for the tenant: the shared parameters first (their 400
 * alone when any is wrong), then `dimension` (default event_type) and `limit` (1-100, default
 * 10), both named in one 400.
 */
export async function parseBreakdownParams(
  raw: Record<string, unknown>,
  tenant: Tenant,
  shared: SharedQueryReader,
): Promise<BreakdownParams> {
  const query = await shared.parse(raw, tenant, { extra: BREAKDOWN_PARAMETERS });
  const dimensionText = raw.dimension ?? 'event_type';
  const limitText = raw.limit ?? '10';
  const errors: FieldError[] = [];
  let dimension: Dimension | undefined;
  if (dimensionText === 'event_type' || dimensionText === 'user_id') {
    dimension = { kind: dimensionText };
  } else if (
    typeof dimensionText === 'string' &&
    /^property\.[A-Za-z0-9_.:-]{1,128}$/.test(dimensionText)
  ) {
    dimension = { kind: 'property', key: dimensionText.slice('property.'.length) };
  } else {
    errors.push({
      field: 'dimension',
      message: 'dimension must be event_type, user_id or property.<key>',
    });
  }
  const limit =
    typeof limitText === 'string' && /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100))
    errors.push({ field: 'limit', message: 'limit must be 1 to 100' });
  if (errors.length > 0 || !dimension) throw new InvalidInputException(errors);
  return { query, dimension, limit };
}
