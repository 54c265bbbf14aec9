import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { actorOf } from '../audit/audit-actor';
import { AdminOnly } from '../auth/admin-only.decorator';
import { PasswordSetupService } from '../auth/users/password-setup.service';
import type { User } from '../auth/users/user.entity';
import { UsersService } from '../auth/users/users.service';
import type { TenantRequest } from './tenant-request';
import { UuidParam } from '../common/uuid-param';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantCreatedResponse, TenantPageResponse, TenantResponse } from './dto/tenant.response';
import {
  PlatformStatisticsResponse,
  TenantStatisticsResponse,
} from './dto/statistics.response';
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
    private readonly users: UsersService,
    private readonly passwordSetup: PasswordSetupService,
  ) {}

  @Post('tenants')
  @ApiOperation({ summary: 'Provision a tenant with default settings and its owner' })
  @ApiCreatedResponse({ type: TenantCreatedResponse })
  @ApiConflictResponse({ description: 'The slug is taken' })
  async create(
    @Body() input: CreateTenantDto,
    @Req() request: TenantRequest,
  ): Promise<TenantCreatedResponse> {
    let owner: User | undefined;
    let passwordSet: { token: string; expiresAt: Date } | undefined;
    const tenant = await this.tenants.create(
      input,
      actorOf(request, request.principal),
      async () => {
        owner = await this.users.create(
          { email: input.owner_email, role: 'owner' },
          request.principal!,
        );
        passwordSet = await this.passwordSetup.issue(owner.id);
      },
    );
    return {
      ...TenantResponse.from(tenant),
      owner: { id: owner!.id, email: owner!.email },
      password_set_token: passwordSet!.token,
      password_set_expires_at: passwordSet!.expiresAt.toISOString(),
    };
  }

  @Get('tenants')
  @ApiOperation({ summary: 'List tenants: paginated, filter by status and tier, search by name' })
  @ApiOkResponse({ type: TenantPageResponse })
  async list(@Query() query: ListTenantsQuery): Promise<TenantPageResponse> {
    const page = await this.tenants.list(query);
    return { ...page, data: page.data.map((tenant) => TenantResponse.from(tenant)) };
  }

  @Get('tenants/:id')
  @ApiOkResponse({ type: TenantResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<TenantResponse> {
    return TenantResponse.from(await this.tenants.get(id));
  }

  @Patch('tenants/:id')
  @ApiOperation({ summary: 'Rename, change tier, suspend or reactivate' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The tenant is deleted and can no longer be changed' })
  async update(
    @UuidParam('id') id: string,
    @Body() change: UpdateTenantDto,
    @Req() request: TenantRequest,
  ): Promise<TenantResponse> {
    return TenantResponse.from(
      await this.tenants.update(id, change, actorOf(request, request.principal)),
    );
  }

  @Delete('tenants/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Soft delete: status becomes deleted and the tenant stops resolving' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiNotFoundResponse()
  async remove(
    @UuidParam('id') id: string,
    @Req() request: TenantRequest,
  ): Promise<TenantResponse> {
    return TenantResponse.from(
      await this.tenants.softDelete(id, actorOf(request, request.principal)),
    );
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
