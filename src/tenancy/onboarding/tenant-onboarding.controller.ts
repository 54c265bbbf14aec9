import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { PasswordSetupService } from '../../auth/users/password-setup.service';
import type { User } from '../../auth/users/user.entity';
import { UsersService } from '../../auth/users/users.service';
import { Actor } from '../scope/actor';
import { AdminOnly } from '../scope/admin-only.decorator';
import { Caller } from '../scope/caller';
import { CreateTenantDto } from '../dto/create-tenant.dto';
import { TenantCreatedResponse, TenantResponse } from '../dto/tenant.response';
import { TenantsService } from '../tenants.service';

/** POST /admin/tenants: a new tenant and its owner, in the tenant's provisioning transaction. */
@ApiTags('admin: tenants')
@AdminOnly()
@Controller('admin')
export class TenantOnboardingController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
    private readonly passwordSetup: PasswordSetupService,
  ) {}

  @Post('tenants')
  @ApiOperation({ summary: 'Provision a tenant with default settings and its owner' })
  @ApiCreatedResponse({ type: TenantCreatedResponse })
  @ApiConflictResponse({ description: 'The slug is taken' })
  @ApiForbiddenResponse({
    description:
      'Also a siloed `placement` for a plan without `dedicated_database`: the body names ' +
      '`feature`, the `plan` and the `plans` that include it.',
  })
  @ApiServiceUnavailableResponse({
    description: "The placement's database cannot be reached or is misconfigured: retry later",
  })
  async create(
    @Body() input: CreateTenantDto,
    @Caller() caller: Caller,
    @Actor() actor: Actor,
  ): Promise<TenantCreatedResponse> {
    let owner: User | undefined;
    let passwordSet: { token: string; expiresAt: Date } | undefined;
    const tenant = await this.tenants.create(input, actor, async () => {
      owner = await this.users.create({ email: input.owner_email, role: 'owner' }, caller);
      passwordSet = await this.passwordSetup.issue(owner.id);
    });
    return {
      ...TenantResponse.from(tenant),
      owner: { id: owner!.id, email: owner!.email },
      password_set_token: passwordSet!.token,
      password_set_expires_at: passwordSet!.expiresAt.toISOString(),
    };
  }
}
