import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../scope/admin-only.decorator';
import { PlacementListResponse } from './placement.response';
import { PlacementsService } from './placements.service';

@ApiTags('admin: placements')
@AdminOnly()
@Controller('admin')
export class PlacementsAdminController {
  constructor(private readonly placements: PlacementsService) {}

  @Get('placements')
  @ApiOperation({
    summary:
      "Where tenants' rows live: each placement's tenants by status and database size; an unreachable one says why",
  })
  @ApiOkResponse({ type: PlacementListResponse })
  async list(): Promise<PlacementListResponse> {
    return { data: await this.placements.list() };
  }
}
