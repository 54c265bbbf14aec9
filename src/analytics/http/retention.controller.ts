import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { RequireFeature } from '../../tenancy/scope/require-feature.decorator';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { CostedQuery } from '../cost/costed-query.decorator';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { AnalyticsQueryService } from '../query/analytics-query.service';
import { AnalyticsService } from '../query/analytics.service';
import { MAX_COHORTS, RETENTION_INTERVALS } from '../query/retention';
import { parseRetentionParams } from './retention.params';
import { FairQuery } from '../fair/fair-query.decorator';
import { FairQueryService } from '../fair/fair-query.service';
import { RetentionResponse } from './retention.response';
import { ApiSharedQuery } from './shared-query.decorator';
import { EVENT_TYPE_SCHEMA } from '../../openapi/schemas';

const SEMANTICS =
  'Counted: users with a non-empty user_id, events in [from, to) matching every ' +
  '`property.<key>=<value>` filter. Buckets are days or weeks (from Monday) in the tenant’s ' +
  'timezone. A user’s cohort is the bucket of their first `cohort_event` in the range (the ' +
  'first in the range, not the first ever); `retained[n]` counts the cohort’s users with a ' +
  '`return_event` in the n-th bucket after it, n = 0 being the cohort’s own bucket (whatever ' +
  'the order within it). Either event omitted means any event. A bucket starting at or after ' +
  '`to` is not observable yet: null, not 0; the bucket holding `to` counts events up to `to`. ' +
  `Every bucket of the range is a cohort row; at most ${MAX_COHORTS} per answer (a finer ` +
  'interval over a longer range is refused, with the limit stated).';

@ApiTags('analytics')
@Controller('v1/analytics')
export class RetentionController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly query: AnalyticsQueryService,
    private readonly fair: FairQueryService,
  ) {}

  @FairQuery()
  @Get('retention')
  @RequirePermissions('analytics:read')
  @RequireFeature('funnels_retention')
  @CostedQuery('retention')
  @ApiOperation({
    summary: 'Cohorts by first event and the share of each coming back, day by day or week by week',
    description: SEMANTICS,
  })
  @ApiSharedQuery({ eventType: false })
  @ApiQuery({ name: 'cohort_event', required: false, schema: EVENT_TYPE_SCHEMA, example: 'signup' })
  @ApiQuery({
    name: 'return_event',
    required: false,
    schema: EVENT_TYPE_SCHEMA,
    example: 'page_view',
  })
  @ApiQuery({ name: 'interval', required: false, enum: RETENTION_INTERVALS })
  @ApiQuery({
    name: 'periods',
    required: false,
    schema: { type: 'integer', minimum: 0, maximum: MAX_COHORTS - 1 },
    example: 7,
    description: `The last period n per row, 0-${MAX_COHORTS - 1}; default: as many as the range holds`,
  })
  @ApiOkResponse({ type: RetentionResponse })
  @ApiBadRequestResponse({
    description: 'A parameter is malformed, past the retention, or too many cohorts',
  })
  async retention(
    @Query() raw: Record<string, unknown>,
    @CurrentTenant() tenant: Tenant,
  ): Promise<RetentionResponse> {
    const params = await this.fair.inTenant(tenant, () =>
      parseRetentionParams(raw, tenant, this.query),
    );
    return this.fair.ask(tenant, 'retention', raw, params, () => this.analytics.retention(params));
  }
}
