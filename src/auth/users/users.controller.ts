import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../../common/uuid-param';
import { Caller } from '../../tenancy/scope/caller';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPageResponse, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @RequirePermissions('users:write')
  @ApiOperation({ summary: 'Add a user to the calling tenant' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ description: 'The email is already used in this tenant' })
  @ApiForbiddenResponse({
    description:
      'A role holding permissions the caller lacks (names `role`); only owners create owners; ' +
      "the plan's users limit is reached (`resource`, `limit`, `current`)",
  })
  async create(
    @Body() input: CreateUserDto,
    @Caller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.create(input, caller, tenant));
  }

  @Get()
  @RequirePermissions('users:read')
  @ApiOkResponse({ type: UserPageResponse })
  async list(@Query() query: ListUsersQuery): Promise<UserPageResponse> {
    const page = await this.users.list(query);
    return { ...page, data: page.data.map((user) => UserResponse.from(user)) };
  }

  @Get(':id')
  @RequirePermissions('users:read')
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse()
  async get(@UuidParam('id') id: string): Promise<UserResponse> {
    return UserResponse.from(await this.users.get(id));
  }

  @Patch(':id')
  @RequirePermissions('users:write')
  @ApiOperation({
    summary: 'Change role or status; the last active owner cannot be demoted or disabled',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Would leave the tenant without an active owner' })
  @ApiForbiddenResponse({
    description:
      'A role, or a user whose role, holds permissions the caller lacks; only owners grant, change or remove the owner role; ' +
      "re-enabling a user past the plan's users limit (`resource`, `limit`, `current`)",
  })
  async update(
    @UuidParam('id') id: string,
    @Body() change: UpdateUserDto,
    @Caller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.update(id, change, caller, tenant));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('users:write')
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Would leave the tenant without an active owner' })
  @ApiForbiddenResponse({
    description:
      'A user whose role holds permissions the caller lacks; only owners remove an owner',
  })
  async remove(@UuidParam('id') id: string, @Caller() caller: Caller): Promise<void> {
    await this.users.remove(id, caller);
  }
}
