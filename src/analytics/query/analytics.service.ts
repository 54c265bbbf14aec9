import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputException } from '../../common/field-error';
import type { BreakdownParams } from '../http/breakdown.params';
import type { BreakdownResponse } from '../http/breakdown.response';
import type { FunnelParams } from '../http/funnel.params';
import type { FunnelResponse } from '../http/funnel.response';
import type { RetentionParams } from '../http/retention.params';
import type { RetentionResponse } from '../http/retention.response';
import type { SummaryParams } from '../http/summary.params';
import type { SummaryResponse } from '../http/summary.response';
import type { TimeseriesParams } from '../http/timeseries.params';
import type { TimeseriesResponse } from '../http/timeseries.response';
import {
  ANALYTICS_STORE,
  type AnalyticsStore,
  type SummaryCounts,
} from '../stores/analytics-store';
import { previousPeriod } from './analytics-query';
import { bucketStarts, MAX_BUCKETS } from './buckets';
import { funnelSteps } from './funnel';
import { cohortStarts, MAX_COHORTS, retentionTable } from './retention';

/** events / users, two decimals; 0 without users. */
const perUser = (c: SummaryCounts) =>
  c.users === 0 ? 0 : Math.round((c.events / c.users) * 100) / 100;

/** Share of `part` in `whole`, four decimals; 0 when the whole is empty. */
const share = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;

/**
 * The answers of the /v1/analytics routes, from parsed parameters (http/*.params.ts) and the
 * analytics store: one method per route, each returning the route's response body. The store
 * reads run in the caller's tenant transaction, metered by the route's @CostedQuery.
 */
@Injectable()
export class AnalyticsService {
  constructor(@Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore) {}

  /** The counts of the range and of the period just before it (clamped to the retention). */
  async summary({ query }: SummaryParams): Promise<SummaryResponse> {
    const { filter, timezone, earliest } = query;
    const previous = previousPeriod(filter, earliest);
    const nothing: SummaryCounts = { events: 0, users: 0, sessions: 0 };
    const [now, before] = await Promise.all([
      this.store.summary(filter),
      previous.from < previous.to ? this.store.summary(previous) : nothing,
    ]);
    const pair = (pick: (c: SummaryCounts) => number) => ({
      value: pick(now),
      previous: pick(before),
    });
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      timezone,
      previous_period: { from: previous.from.toISOString(), to: previous.to.toISOString() },
      metrics: {
        events: pair((c) => c.events),
        users: pair((c) => c.users),
        sessions: pair((c) => c.sessions),
        events_per_user: pair(perUser),
      },
    };
  }

  /** Every bucket of the range in the tenant's timezone, empty ones as 0; 400 past MAX_BUCKETS. */
  async timeseries({ query, metric, interval }: TimeseriesParams): Promise<TimeseriesResponse> {
    const { filter, timezone } = query;
    const starts = bucketStarts(filter.from.getTime(), filter.to.getTime(), interval, timezone);
    if (starts.length > MAX_BUCKETS) {
      throw new InvalidInputException([
        {
          field: 'interval',
          message: `at most ${MAX_BUCKETS} buckets per answer: a ${interval} interval over this range is too fine; use a coarser interval or a shorter range`,
        },
      ]);
    }
    const values = await this.store.timeseries(filter, metric, interval, timezone);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      timezone,
      metric,
      interval,
      buckets: starts.map((start) => ({
        start: new Date(start).toISOString(),
        value: values.get(start) ?? 0,
      })),
    };
  }

  /** The top values of the dimension, each with its share of all the range's events. */
  async breakdown({ query, dimension, limit }: BreakdownParams): Promise<BreakdownResponse> {
    const { filter } = query;
    const [rows, totalEvents] = await Promise.all([
      this.store.breakdown(filter, dimension, limit),
      this.store.countEvents(filter),
    ]);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      dimension: dimension.kind === 'property' ? `property.${dimension.key}` : dimension.kind,
      total_events: totalEvents,
      rows: rows.map((row) => ({
        value: row.value,
        events: row.events,
        share: share(row.events, totalEvents),
      })),
    };
  }

  /** Users per step with their conversions (semantics: funnel.ts). */
  async funnel({ query, funnel }: FunnelParams): Promise<FunnelResponse> {
    const { filter } = query;
    const users = await this.store.funnel(filter, funnel);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      window_seconds: funnel.windowSeconds,
      steps: funnelSteps(funnel.steps, users),
    };
  }

  /** The cohort table (semantics: retention.ts); 400 past MAX_COHORTS. */
  async retention({
    query,
    events,
    interval,
    periods: lastPeriod,
  }: RetentionParams): Promise<RetentionResponse> {
    const { filter, timezone } = query;
    const starts = cohortStarts(filter.from.getTime(), filter.to.getTime(), interval, timezone);
    if (!starts) {
      throw new InvalidInputException([
        {
          field: 'interval',
          message: `at most ${MAX_COHORTS} cohorts per answer: a ${interval} interval over this range is too fine; use a coarser interval or a shorter range`,
        },
      ]);
    }
    const periods = lastPeriod ?? starts.length - 1;
    const counts = await this.store.retention(filter, events, interval, timezone);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      timezone,
      interval,
      cohort_event: events.cohortEvent ?? null,
      return_event: events.returnEvent ?? null,
      periods,
      cohorts: retentionTable(starts, counts, periods),
    };
  }
}
