import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireFeature } from '../../tenancy/scope/require-feature.decorator';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { CostedQuery } from '../cost/costed-query.decorator';
import { FairQuery } from '../fair/fair-query.decorator';
import { FairQueryService } from '../fair/fair-query.service';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { AnalyticsQueryService } from '../query/analytics-query.service';
import { AnalyticsService } from '../query/analytics.service';
import { parseFunnelParams } from './funnel.params';
import { FunnelRequest } from './funnel.request';
import { FunnelResponse } from './funnel.response';
import { ApiSharedQuery } from './shared-query.decorator';

const SEMANTICS =
  'The range and filters go in the query string, as on every analytics route (`from`, `to`, ' +
  'any number of `property.<key>=<value>`, which every counted event must match); the steps ' +
  'and the window in the body. Counted: users with a non-empty user_id. A user reaches step k ' +
  'with events of steps 1..k in that order, each at or after the one before (whole seconds; ' +
  'events in the same second advance steps in step order), all within `window_seconds` of the ' +
  'step-1 event (both ends included) and within [from, to). Any step-1 event may start a chain; ' +
  'a user counts at the deepest step any chain reaches, and other events in between do not ' +
  'matter. Conversions are four-decimal fractions, 0 when step 1 has no users.';

@ApiTags('analytics')
@Controller('v1/analytics')
export class FunnelController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly query: AnalyticsQueryService,
    private readonly fair: FairQueryService,
  ) {}

  @FairQuery()
  @Post('funnel')
  @HttpCode(200)
  @RequirePermissions('analytics:read')
  @RequireFeature('funnels_retention')
  @CostedQuery('funnel')
  @ApiOperation({
    summary: 'Users reaching each step of a funnel in order within a time window',
    description: SEMANTICS,
  })
  @ApiSharedQuery({ eventType: false })
  @ApiBody({ type: FunnelRequest })
  @ApiOkResponse({ type: FunnelResponse })
  @ApiBadRequestResponse({
    description: 'A parameter or body field is malformed or past the retention; each is named',
  })
  async funnel(
    @Query() raw: Record<string, unknown>,
    @Body() body: unknown,
    @CurrentTenant() tenant: Tenant,
  ): Promise<FunnelResponse> {
    const params = await this.fair.inTenant(tenant, () =>
      parseFunnelParams(raw, body, tenant, this.query),
    );
    return this.fair.ask(tenant, 'funnel', raw, params, () => this.analytics.funnel(params));
  }
}
