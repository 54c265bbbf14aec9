import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../tenancy/scope/admin-only.decorator';
import { SilentTenantsResponse } from './dto/silent-tenants.response';
import { SilentTenantsService } from './silent-tenants.service';

@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin')
export class SilentTenantsController {
  constructor(private readonly silent: SilentTenantsService) {}

  @Get('silent-tenants')
  @ApiOperation({
    summary:
      'Active tenants that sent events on each of the 7 UTC days before the last 24 hours and ' +
      'none since (the TenantWentSilent alert names them here); refreshed at most once a minute',
  })
  @ApiOkResponse({ type: SilentTenantsResponse })
  async list(): Promise<SilentTenantsResponse> {
    return { data: await this.silent.list() };
  }
}
