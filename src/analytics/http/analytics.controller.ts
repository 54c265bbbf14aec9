import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiSharedQuery } from './shared-query.decorator';
import { CostedQuery } from '../cost/costed-query.decorator';
import { FairQuery } from '../fair/fair-query.decorator';
import { FairQueryService } from '../fair/fair-query.service';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { AnalyticsQueryService } from '../query/analytics-query.service';
import { AnalyticsService } from '../query/analytics.service';
import { METRICS } from '../stores/analytics-store';
import { parseBreakdownParams } from './breakdown.params';
import { BreakdownResponse } from './breakdown.response';
import { parseSummaryParams } from './summary.params';
import { SummaryResponse } from './summary.response';
import { parseTimeseriesParams } from './timeseries.params';
import { TimeseriesResponse } from './timeseries.response';
import { INTERVALS, MAX_BUCKETS } from '../query/buckets';

@ApiTags('analytics')
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly query: AnalyticsQueryService,
    private readonly fair: FairQueryService,
  ) {}

  @FairQuery()
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
    @CurrentTenant() tenant: Tenant,
  ): Promise<SummaryResponse> {
    const params = await this.fair.inTenant(tenant, () =>
      parseSummaryParams(raw, tenant, this.query),
    );
    return this.fair.ask(
      tenant,
      'summary',
      raw,
      params,
      () => this.analytics.summary(params),
      true,
    );
  }

  @FairQuery()
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
    @CurrentTenant() tenant: Tenant,
  ): Promise<TimeseriesResponse> {
    const params = await this.fair.inTenant(tenant, () =>
      parseTimeseriesParams(raw, tenant, this.query),
    );
    return this.fair.ask(tenant, 'timeseries', raw, params, () =>
      this.analytics.timeseries(params),
    );
  }

  @FairQuery()
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
    @CurrentTenant() tenant: Tenant,
  ): Promise<BreakdownResponse> {
    const params = await this.fair.inTenant(tenant, () =>
      parseBreakdownParams(raw, tenant, this.query),
    );
    return this.fair.ask(tenant, 'breakdown', raw, params, () => this.analytics.breakdown(params));
  }
}
