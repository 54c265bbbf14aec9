import { Body, Controller, Get, Patch, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from './scope/actor';
import { AdminOnly } from './scope/admin-only.decorator';
import { UuidParam } from '../common/uuid-param';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { SetPlanOverridesDto } from '../billing/plans/dto/set-plan-overrides.dto';
import { TenantDetailResponse, TenantPageResponse, TenantResponse } from './dto/tenant.response';
import { PlatformStatisticsResponse, TenantStatisticsResponse } from './dto/statistics.response';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import {
  type PlatformStatistics,
  type TenantStatistics,
  TenantStatisticsService,
} from './tenant-statistics.service';
import { TenantsService } from './tenants.service';

@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin')
export class TenantsAdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly statistics: TenantStatisticsService,
  ) {}

  @Get('tenants')
  @ApiOperation({ summary: 'List tenants: paginated, filter by status and tier, search by name or slug' })
  @ApiOkResponse({ type: TenantPageResponse })
  async list(@Query() query: ListTenantsQuery): Promise<TenantPageResponse> {
    const page = await this.tenants.list(query);
    return { ...page, data: page.data.map((tenant) => TenantResponse.from(tenant)) };
  }

  @Get('tenants/:id')
  @ApiOperation({
    summary: 'The tenant with its plan, overrides, effective terms and plan periods',
  })
  @ApiOkResponse({ type: TenantDetailResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<TenantDetailResponse> {
    return this.detail(id);
  }

  @Patch('tenants/:id')
  @ApiOperation({
    summary:
      'Rename, move to another plan (by code or version id, effective now), suspend or reactivate',
  })
  @ApiOkResponse({ type: TenantDetailResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The tenant is deleted and can no longer be changed' })
  async update(
    @UuidParam('id') id: string,
    @Body() change: UpdateTenantDto,
    @Actor() actor: Actor,
  ): Promise<TenantDetailResponse> {
    await this.tenants.update(id, change, actor);
    return this.detail(id);
  }

  @Put('tenants/:id/overrides')
  @ApiOperation({
    summary:
      "Set the tenant's plan overrides (a contract's limits or price), replacing the previous " +
      'ones; {} clears them. Effective at once, audited',
  })
  @ApiOkResponse({ type: TenantDetailResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The tenant is deleted and can no longer be changed' })
  async setOverrides(
    @UuidParam('id') id: string,
    @Body() overrides: SetPlanOverridesDto,
    @Actor() actor: Actor,
  ): Promise<TenantDetailResponse> {
    await this.tenants.setPlanOverrides(id, overrides, actor);
    return this.detail(id);
  }

  private async detail(id: string): Promise<TenantDetailResponse> {
    const { tenant, terms, periods } = await this.tenants.getWithPlan(id);
    return TenantDetailResponse.withPlan(tenant, terms, periods);
  }

  @Get('tenants/:id/statistics')
  @ApiOperation({ summary: "Row counts of the tenant's own tables, read under its RLS scope" })
  @ApiOkResponse({ type: TenantStatisticsResponse })
  @ApiNotFoundResponse()
  async tenantStatistics(@UuidParam('id') id: string): Promise<TenantStatistics> {
    return this.statistics.forTenant(id);
  }

  @Get('statistics')
  @ApiOperation({ summary: 'Tenant counts by status and tier' })
  @ApiOkResponse({ type: PlatformStatisticsResponse })
  async platformStatistics(): Promise<PlatformStatistics> {
    return this.statistics.forPlatform();
  }
}
