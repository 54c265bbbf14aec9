import { Body, Controller, Delete, Get, HttpCode, Put, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { OutsideTenantTransaction } from '../../tenancy/scope/access-policy';
import { Actor } from '../../tenancy/scope/actor';
import { Caller } from '../../tenancy/scope/caller';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import { RequireFeature } from '../../tenancy/scope/require-feature.decorator';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import type { Tenant } from '../../tenancy/tenant.entity';
import { SsoConnectionResponse } from './dto/sso-connection.response';
import { UpdateSsoDto } from './dto/update-sso.dto';
import { redirectUriFor } from './public-origin';
import { SsoConnectionsService } from './sso-connections.service';

@ApiTags('sso')
@Controller('v1/sso')
export class SsoController {
  constructor(private readonly connections: SsoConnectionsService) {}

  @Get()
  @RequirePermissions('sso:manage')
  @RequireFeature('sso')
  @ApiOperation({
    summary: "The tenant's OIDC identity provider (never its client secret) and the redirect URI",
  })
  @ApiOkResponse({ type: SsoConnectionResponse })
  async get(@Req() request: Request): Promise<SsoConnectionResponse> {
    return SsoConnectionResponse.from(await this.connections.find(), redirectUriFor(request));
  }

  @Put()
  @RequirePermissions('sso:manage')
  @RequireFeature('sso')
  // The issuer's discovery document is read first: no pooled connection waits on the IdP.
  @OutsideTenantTransaction()
  @ApiOperation({
    summary: 'Set the identity provider: issuer, client, default role, password login on or off',
    description:
      'The issuer must be https (http only for a loopback host outside production); its ' +
      'discovery document is read to check it. Audited as sso.configured.',
  })
  @ApiOkResponse({ type: SsoConnectionResponse })
  @ApiBadRequestResponse({
    description:
      'A malformed field; an issuer whose discovery document cannot be read; a client secret ' +
      "missing, or a reference other than the tenant's own env:SSO_CLIENT_SECRET_<SLUG>",
  })
  @ApiForbiddenResponse({
    description:
      'Not an owner: whoever controls the identity provider can sign in as any user, owners included',
  })
  @ApiConflictResponse({
    description:
      'password_login_enabled false before any SSO login with this issuer and client succeeded',
  })
  async replace(
    @Body() input: UpdateSsoDto,
    @Caller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Req() request: Request,
    @Actor() actor: Actor,
  ): Promise<SsoConnectionResponse> {
    const row = await this.connections.replace(input, caller, tenant, actor);
    return SsoConnectionResponse.from(row, redirectUriFor(request));
  }

  @Delete()
  @HttpCode(204)
  @RequirePermissions('sso:manage')
  @RequireFeature('sso')
  @ApiOperation({ summary: 'Remove the identity provider: password login for everyone again' })
  @ApiNoContentResponse({ description: 'Removed (also when none was configured)' })
  async remove(@CurrentTenant() tenant: Tenant): Promise<void> {
    await this.connections.remove(tenant);
  }
}
