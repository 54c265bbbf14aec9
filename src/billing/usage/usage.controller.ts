import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../../tenancy/tenant.entity';
import { DailyUsageQuery } from './dto/daily-usage.query';
import { DailyUsageResponse, UsageResponse } from './dto/usage.response';
import { UsageService } from './usage.service';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @RequirePermissions('settings:read')
  @ApiOperation({
    summary: "The calling tenant's usage this period (calendar month, UTC) against its plan",
    description:
      'Events accepted, stored, rejected and dead-lettered, with the monthly quota, the share ' +
      'used and the overage; storage (the latest daily estimate); users; event sources; and ' +
      'the 80% and 100% quota warnings. API requests are not metered here yet.',
  })
  @ApiOkResponse({ type: UsageResponse })
  current(@CurrentTenant() tenant: Tenant): Promise<UsageResponse> {
    return this.usage.current(tenant);
  }

  @Get('daily')
  @RequirePermissions('settings:read')
  @ApiOperation({
    summary: "The calling tenant's usage per UTC day, over at most 366 days",
    description: 'Days without usage are left out. A bad or reversed range is a 400 naming the field.',
  })
  @ApiOkResponse({ type: DailyUsageResponse })
  daily(@Query() query: DailyUsageQuery): Promise<DailyUsageResponse> {
    return this.usage.daily(query);
  }
}
