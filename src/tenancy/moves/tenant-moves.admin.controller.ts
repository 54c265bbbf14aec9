import { Body, Controller, Get, HttpCode, Optional, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { AdminOnly } from '../scope/admin-only.decorator';
import { MoveTenantDto } from './dto/move-tenant.dto';
import { TableCheckResponse, TenantMoveResponse } from './dto/tenant-move.response';
import { TenantMoveJobScheduler } from './tenant-move-job.scheduler';
import { TenantMoveService } from './tenant-move.service';

@ApiTags('admin: tenants')
@ApiExtraModels(TableCheckResponse)
@AdminOnly()
@Controller('admin/tenants')
export class TenantMovesAdminController {
  constructor(
    private readonly mover: TenantMoveService,
    @Optional() private readonly queue?: TenantMoveJobScheduler,
  ) {}

  @Post(':id/move')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Move the tenant’s data to another placement, online: copied while it keeps working, then ' +
      'its writes held for at most 5 s (503 with Retry-After; ingested events wait) while the ' +
      'last rows are copied, checked and the placement switched; the old copy is then purged',
  })
  @ApiAcceptedResponse({ type: TenantMoveResponse, description: 'Queued: follow it at move_id' })
  @ApiBadRequestResponse({ description: '`placement` names no active placement' })
  @ApiNotFoundResponse({ description: 'No such tenant' })
  @ApiConflictResponse({
    description:
      'Already on that placement, a move of it already under way, not active or suspended, or ' +
      'moves unavailable (no Redis, no placements)',
  })
  async move(
    @UuidParam('id') id: string,
    @Body() body: MoveTenantDto,
  ): Promise<TenantMoveResponse> {
    const move = await this.mover.request(id, body.placement);
    await this.queue?.enqueue(move.id);
    return TenantMoveResponse.of(move);
  }

  @Get(':id/moves/:move_id')
  @ApiOperation({ summary: 'A move of the tenant: its state, rows copied, checks and hold time' })
  @ApiOkResponse({ type: TenantMoveResponse })
  @ApiNotFoundResponse({ description: 'No such tenant or move' })
  async find(
    @UuidParam('id') id: string,
    @UuidParam('move_id') moveId: string,
  ): Promise<TenantMoveResponse> {
    return TenantMoveResponse.of(await this.mover.find(id, moveId));
  }
}
