import type { FieldError } from '../../common/field-error';
import type { Tenant } from '../../tenancy/tenant.entity';
import { type AnalyticsQuery, EVENT_TYPE_PATTERN } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import {
  MAX_COHORTS,
  RETENTION_INTERVALS,
  type RetentionEvents,
  type RetentionInterval,
} from '../query/retention';

export const RETENTION_PARAMETERS = ['cohort_event', 'return_event', 'interval', 'periods'];

/** Retention's own parameters. */
export interface RetentionOptions {
  events: RetentionEvents;
  interval: RetentionInterval;
  /** Undefined: every observable period of the range. */
  periods?: number;
}

export interface RetentionParams extends RetentionOptions {
  query: AnalyticsQuery;
}

/**
 * Reads the retention's query string for the tenant, or one 400 naming every problem: its own
 * parameters' first, then the shared ones' (no `event_type`: cohort_event and return_event name
 * the event types).
 */
export async function parseRetentionParams(
  raw: Record<string, unknown>,
  tenant: Tenant,
  shared: SharedQueryReader,
): Promise<RetentionParams> {
  const own = readRetentionOptions(raw);
  const query = await shared.parse(raw, tenant, {
    extra: RETENTION_PARAMETERS,
    eventType: false,
    errors: own.errors,
  });
  return { query, ...own.params };
}

/** Reads retention's own query parameters; every problem is named by its parameter. */
export function readRetentionOptions(raw: Record<string, unknown>): {
  params: RetentionOptions;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const single = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined || typeof value === 'string') return value;
    errors.push({ field: name, message: `${name} must be given once` });
    return undefined;
  };
  const eventType = (name: string): string | undefined => {
    const value = single(name);
    if (value !== undefined && !EVENT_TYPE_PATTERN.test(value)) {
      errors.push({ field: name, message: `${name} may hold only a-z, 0-9 and _ . : - (1-128)` });
      return undefined;
    }
    return value;
  };
  const events = { cohortEvent: eventType('cohort_event'), returnEvent: eventType('return_event') };
  const interval = single('interval') ?? 'day';
  if (!RETENTION_INTERVALS.includes(interval as RetentionInterval)) {
    errors.push({
      field: 'interval',
      message: `interval must be one of ${RETENTION_INTERVALS.join(', ')}`,
    });
  }
  const periodsText = single('periods');
  let periods: number | undefined;
  if (periodsText !== undefined) {
    periods = /^\d{1,3}$/.test(periodsText) ? Number(periodsText) : NaN;
    if (!(periods <= MAX_COHORTS - 1)) {
      errors.push({ field: 'periods', message: `periods must be 0 to ${MAX_COHORTS - 1}` });
    }
  }
  return { params: { events, interval: interval as RetentionInterval, periods }, errors };
}
