import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { UuidParam } from '../../common/uuid-param';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { DashboardsService } from './dashboards.service';
import { CreateDashboardDto } from './dto/create-dashboard.dto';
import { DashboardPageResponse, DashboardResponse } from './dto/dashboard.response';
import { ListDashboardsQuery } from './dto/list-dashboards.query';
import { UpdateDashboardDto } from './dto/update-dashboard.dto';
import { MAX_WIDGETS, WIDGET_KINDS } from './widgets';

@ApiTags('dashboards')
@Controller('v1/dashboards')
export class DashboardsController {
  constructor(
    private readonly dashboards: DashboardsService,
    private readonly entitlements: EntitlementsService,
  ) {}

  /** The tenant's retention (its plan's, or its contract's): widget ranges stay within it. */
  private async retentionOf(tenant: Tenant): Promise<number> {
    return (await this.entitlements.termsOf(tenant)).dataRetentionDays;
  }

  @Get()
  @RequirePermissions('dashboards:read')
  @ApiOperation({ summary: 'Dashboards of the calling tenant: the default first, paginated' })
  @ApiOkResponse({ type: DashboardPageResponse })
  async list(@Query() query: ListDashboardsQuery): Promise<DashboardPageResponse> {
    const page = await this.dashboards.list(query);
    return { ...page, data: page.data.map((dashboard) => DashboardResponse.from(dashboard)) };
  }

  @Post()
  @RequirePermissions('dashboards:write')
  @ApiOperation({
    summary: 'Create a dashboard',
    description: `At most ${MAX_WIDGETS} widgets of kind ${WIDGET_KINDS.join(', ')}; each gets a stable id.`,
  })
  @ApiCreatedResponse({ type: DashboardResponse })
  async create(
    @Body() input: CreateDashboardDto,
    @CurrentTenant() tenant: Tenant,
  ): Promise<DashboardResponse> {
    return DashboardResponse.from(
      await this.dashboards.create(input, await this.retentionOf(tenant)),
    );
  }

  @Get(':id')
  @RequirePermissions('dashboards:read')
  @ApiOkResponse({ type: DashboardResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<DashboardResponse> {
    return DashboardResponse.from(await this.dashboards.get(id));
  }

  @Patch(':id')
  @RequirePermissions('dashboards:write')
  @ApiOperation({ summary: 'Rename, replace the widgets, or make it the default dashboard' })
  @ApiOkResponse({ type: DashboardResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'is_default: false on the default dashboard' })
  async update(
    @UuidParam('id') id: string,
    @Body() change: UpdateDashboardDto,
    @CurrentTenant() tenant: Tenant,
  ): Promise<DashboardResponse> {
    return DashboardResponse.from(
      await this.dashboards.update(id, change, await this.retentionOf(tenant)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('dashboards:write')
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The default dashboard: make another one the default first' })
  async remove(@UuidParam('id') id: string): Promise<void> {
    await this.dashboards.remove(id);
  }
}
