import { Controller, Get } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { TenantHealthResponse } from './dto/tenant-health.response';
import { TenantHealthService } from './tenant-health.service';

@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin')
export class TenantHealthController {
  constructor(private readonly health: TenantHealthService) {}

  @Get('tenants/:id/health')
  @ApiOperation({
    summary:
      "The tenant's operating figures: last event at, dead letters by reason (7 days), analytics " +
      'p95 over the last hour, its share of the consumer backlog, and the limits it runs under',
  })
  @ApiOkResponse({ type: TenantHealthResponse })
  @ApiNotFoundResponse()
  get(@UuidParam('id') id: string): Promise<TenantHealthResponse> {
    return this.health.forTenant(id);
  }
}
