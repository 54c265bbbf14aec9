import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../scope/actor';
import { Caller } from '../scope/caller';
import { CurrentTenant } from '../scope/current-tenant';
import { RequirePermissions } from '../scope/require-permissions.decorator';
import type { Tenant } from '../tenant.entity';
import { RequestDeletionDto } from './dto/request-deletion.dto';
import { TenantLifecycleResponse } from './dto/tenant-lifecycle.response';
import { TenantDeletionService } from './tenant-deletion.service';

@ApiTags('tenant')
@Controller('v1/tenant')
export class TenantDeletionController {
  constructor(private readonly deletion: TenantDeletionService) {}

  @Post('deletion')
  @HttpCode(200)
  @RequirePermissions('settings:write')
  @ApiOperation({
    summary:
      "The tenant's owner deletes it, re-entering their password: pending deletion until " +
      'purge_after (restorable by the platform until then), every credential refused at once',
  })
  @ApiOkResponse({ type: TenantLifecycleResponse })
  @ApiForbiddenResponse({
    description:
      'Not the signed-in owner (API keys and other roles may not), or the password is wrong (names `password`)',
  })
  async request(
    @Body() input: RequestDeletionDto,
    @Caller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Actor() actor: Actor,
  ): Promise<TenantLifecycleResponse> {
    return TenantLifecycleResponse.of(
      await this.deletion.requestByOwner(caller, tenant, input.password, actor),
    );
  }
}
