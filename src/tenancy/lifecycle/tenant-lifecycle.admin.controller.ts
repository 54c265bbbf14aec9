import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { Actor } from '../scope/actor';
import { AdminOnly } from '../scope/admin-only.decorator';
import { PurgeTenantDto } from './dto/purge-tenant.dto';
import { TenantLifecycleResponse } from './dto/tenant-lifecycle.response';
import { TenantDeletionService } from './tenant-deletion.service';
import { lifecycleActor, TenantPurgeService } from './tenant-purge.service';

@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin/tenants')
export class TenantLifecycleAdminController {
  constructor(
    private readonly deletion: TenantDeletionService,
    private readonly purges: TenantPurgeService,
  ) {}

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Delete with a grace period: status pending_deletion until purge_after (now + ' +
      'TENANT_PURGE_GRACE_DAYS); every credential of the tenant is refused and its sessions revoked',
  })
  @ApiOkResponse({ type: TenantLifecycleResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The tenant is being purged or already purged' })
  async remove(
    @UuidParam('id') id: string,
    @Actor() actor: Actor,
  ): Promise<TenantLifecycleResponse> {
    return TenantLifecycleResponse.of(await this.deletion.requestDeletion(id, actor, 'admin'));
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Restore a tenant pending deletion, within its grace period: back to the status it had, data, users and API keys untouched',
  })
  @ApiOkResponse({ type: TenantLifecycleResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Not pending deletion, or its grace period is over' })
  async restore(
    @UuidParam('id') id: string,
    @Actor() actor: Actor,
  ): Promise<TenantLifecycleResponse> {
    return TenantLifecycleResponse.of(await this.deletion.restore(id, actor));
  }

  @Post(':id/purge')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Purge a deleted tenant now: every row of it in PostgreSQL and ClickHouse, its Redis keys, jobs and files; the tenant stays as a tombstone with the purge report. Needs its slug as confirm_slug, and force: true before purge_after',
  })
  @ApiOkResponse({ type: TenantLifecycleResponse })
  @ApiBadRequestResponse({ description: 'confirm_slug is not the tenant slug (names the field)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({
    description:
      'Not pending deletion; the grace period is not over and force is not true (names force); a purge of it is already running; a move of it is under way',
  })
  async purge(
    @UuidParam('id') id: string,
    @Body() input: PurgeTenantDto,
    @Actor() actor: Actor,
  ): Promise<TenantLifecycleResponse> {
    return TenantLifecycleResponse.of(
      await this.purges.purgeByOperator(id, input, lifecycleActor(actor)),
    );
  }
}
