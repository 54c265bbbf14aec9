import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiSharedQuery } from './shared-query.decorator';
import { CostedQuery } from '../cost/costed-query.decorator';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { InvalidInputException } from '../../common/field-error';
import type { TenantRequest } from '../../tenancy/scope/tenant-request';
import { previousPeriod } from '../query/analytics-query';
import { AnalyticsQueryService } from '../query/analytics-query.service';
import {
  ANALYTICS_STORE,
  type AnalyticsStore,
  type Dimension,
  type Metric,
  METRICS,
  type SummaryCounts,
} from '../stores/analytics-store';
import { BreakdownResponse } from './breakdown.response';
import { SummaryResponse } from './summary.response';
import { TimeseriesResponse } from './timeseries.response';
import type { FieldError } from '../../common/field-error';
import { bucketStarts, INTERVALS, type Interval, MAX_BUCKETS } from '../query/buckets';

@ApiTags('analytics')
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
    private readonly query: AnalyticsQueryService,
  ) {}

  @Get('summary')
  @RequirePermissions('analytics:read')
  @CostedQuery('summary')
  @ApiOperation({
    summary: 'Events, unique users, sessions and events per user, each with the previous period',
    description:
      'Filters: `event_type`, and any number of `property.<key>=<value>` (a number or boolean ' +
      'property matches its text, e.g. property.price=49).',
  })
  @ApiSharedQuery()
  @ApiOkResponse({ type: SummaryResponse })
  @ApiBadRequestResponse({
    description: 'A parameter is malformed or past the plan retention; each is named',
  })
  async summary(
    @Query() raw: Record<string, unknown>,
    @Req() request: TenantRequest,
  ): Promise<SummaryResponse> {
    const { filter, timezone, earliest } = await this.query.parse(raw, request);
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
    const perUser = (c: SummaryCounts) =>
      c.users === 0 ? 0 : Math.round((c.events / c.users) * 100) / 100;
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

  @Get('timeseries')
  @RequirePermissions('analytics:read')
  @CostedQuery('timeseries')
  @ApiOperation({
    summary: 'A metric per minute, hour, day or week in the tenant’s timezone, empty buckets as 0',
    description: `At most ${MAX_BUCKETS} buckets: a finer interval over a longer range is refused, with the limit stated.`,
  })
  @ApiSharedQuery()
  @ApiQuery({ name: 'metric', required: false, enum: METRICS })
  @ApiQuery({ name: 'interval', required: false, enum: INTERVALS })
  @ApiOkResponse({ type: TimeseriesResponse })
  @ApiBadRequestResponse({
    description: 'A parameter is malformed, past the retention, or too many buckets',
  })
  async timeseries(
    @Query() raw: Record<string, unknown>,
    @Req() request: TenantRequest,
  ): Promise<TimeseriesResponse> {
    const { filter, timezone } = await this.query.parse(raw, request, {
      extra: ['metric', 'interval'],
    });
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
    const starts = bucketStarts(
      filter.from.getTime(),
      filter.to.getTime(),
      interval as Interval,
      timezone,
    );
    if (starts.length > MAX_BUCKETS) {
      throw new InvalidInputException([
        {
          field: 'interval',
          message: `at most ${MAX_BUCKETS} buckets per answer: a ${interval as Interval} interval over this range is too fine; use a coarser interval or a shorter range`,
        },
      ]);
    }
    const values = await this.store.timeseries(
      filter,
      metric as Metric,
      interval as Interval,
      timezone,
    );
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      timezone,
      metric: metric as Metric,
      interval: interval as Interval,
      buckets: starts.map((start) => ({
        start: new Date(start).toISOString(),
        value: values.get(start) ?? 0,
      })),
    };
  }

  @Get('breakdown')
  @RequirePermissions('analytics:read')
  @CostedQuery('breakdown')
  @ApiOperation({
    summary: 'Top values of event_type, user_id or property.<key>, with counts and share',
  })
  @ApiSharedQuery()
  @ApiQuery({
    name: 'dimension',
    required: false,
    schema: {
      type: 'string',
      pattern: '^(event_type|user_id|property\\.[A-Za-z0-9_.:-]{1,128})$',
      default: 'event_type',
    },
    example: 'property.country',
    description: 'event_type (default), user_id or property.<key>',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    description: '1-100, default 10',
  })
  @ApiOkResponse({ type: BreakdownResponse })
  @ApiBadRequestResponse({
    description: 'A parameter is malformed or past the retention; each is named',
  })
  async breakdown(
    @Query() raw: Record<string, unknown>,
    @Req() request: TenantRequest,
  ): Promise<BreakdownResponse> {
    const { filter } = await this.query.parse(raw, request, { extra: ['dimension', 'limit'] });
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
        share: totalEvents === 0 ? 0 : Math.round((row.events / totalEvents) * 10_000) / 10_000,
      })),
    };
  }
}
