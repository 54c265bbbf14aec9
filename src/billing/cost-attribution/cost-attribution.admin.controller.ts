import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { CostAttributionService } from './cost-attribution.service';
import { CostAttributionQuery } from './dto/cost-attribution.query';
import { CostAttributionResponse } from './dto/cost-attribution.response';

@ApiTags('admin: billing')
@AdminOnly()
@Controller('admin/cost-attribution')
export class CostAttributionAdminController {
  constructor(private readonly costs: CostAttributionService) {}

  @Get()
  @ApiOperation({
    summary:
      "Each tenant's analytics query cost over a period (default the last 30 days), costliest first",
  })
  @ApiOkResponse({ type: CostAttributionResponse })
  perTenant(@Query() query: CostAttributionQuery): Promise<CostAttributionResponse> {
    return this.costs.perTenant(query);
  }
}
