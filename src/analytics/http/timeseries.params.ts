import { type FieldError, InvalidInputException } from '../../common/field-error';
import type { Tenant } from '../../tenancy/tenant.entity';
import type { AnalyticsQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { INTERVALS, type Interval } from '../query/buckets';
import { type Metric, METRICS } from '../stores/analytics-store';

export const TIMESERIES_PARAMETERS = ['metric', 'interval'];

export interface TimeseriesParams {
  query: AnalyticsQuery;
  metric: Metric;
  interval: Interval;
}

/**
 * Reads the timeseries' query string for the tenant: the shared parameters first (their 400
 * alone when any is wrong), then `metric` (default events) and `interval` (default day), both
 * named in one 400.
 */
export async function parseTimeseriesParams(
  raw: Record<string, unknown>,
  tenant: Tenant,
  shared: SharedQueryReader,
): Promise<TimeseriesParams> {
  const query = await shared.parse(raw, tenant, { extra: TIMESERIES_PARAMETERS });
  const metric = raw.metric ?? 'events';
  const interval = raw.interval ?? 'day';
  const errors: FieldError[] = [];
  if (!METRICS.includes(metric as Metric)) {
    errors.push({ field: 'metric', message: `metric must be one of ${METRICS.join(', ')}` });
  }
  if (!INTERVALS.includes(interval as Interval)) {
    errors.push({
      field: 'interval',
      message: `interval must be one of ${INTERVALS.join(', ')}`,
    });
  }
  if (errors.length > 0) throw new InvalidInputException(errors);
  return { query, metric: metric as Metric, interval: interval as Interval };
}
