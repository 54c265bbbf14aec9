import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../../audit/audit.service';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { GUEST_TOKEN_SECONDS } from '../../auth/token-policy';
import { InvalidInputException } from '../../common/field-error';
import type { Request } from 'express';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import type { Tenant } from '../../tenancy/tenant.entity';
import { DashboardsService } from '../dashboards/dashboards.service';
import { CreateGuestTokenDto } from './dto/create-guest-token.dto';
import { GuestTokenResponse } from './dto/guest-token.response';
import { filtersAsText } from './dto/property-filters.validator';
import { embedPagePath } from './embed-paths';
import { GuestTokensService } from './guest-tokens.service';

/**
 * POST /v1/guest-token: the embedding application's backend (usually with an API key) asks for
 * a five-minute token that opens one dashboard for one of its users, with property filters
 * forced on every widget. Permissions dashboards:read and analytics:read: the token shows the
 * dashboard and the analytics numbers behind it, so its issuer must hold both (a caller never
 * hands out more than it holds), and the token can do less than its issuer (one dashboard, read
 * only, the same or narrower filters, five minutes). Each issuance is audited.
 */
@ApiTags('dashboards')
@Controller('v1/guest-token')
export class GuestTokenController {
  constructor(
    private readonly dashboards: DashboardsService,
    private readonly guestTokens: GuestTokensService,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @HttpCode(200)
  @RequirePermissions('dashboards:read', 'analytics:read')
  @ApiOperation({
    summary: 'A 5-minute guest token and embed URL for one dashboard, one user, fixed filters',
    description:
      'The token (JWT, audience `embed`) is accepted only by /embed/dashboards/{dashboard_id} and its data routes; every /v1 and /admin route refuses it.',
  })
  @ApiOkResponse({ type: GuestTokenResponse })
  @ApiNotFoundResponse({ description: 'No such dashboard in this tenant' })
  async issue(
    @Body() input: CreateGuestTokenDto,
    @CurrentTenant() tenant: Tenant,
    @Req() request: Request, // for the embed URL's scheme and host only
  ): Promise<GuestTokenResponse> {
    const { email, id } = input.user;
    if ((email === undefined) === (id === undefined)) {
      throw new InvalidInputException([
        { field: 'user', message: 'user must have exactly one of email or id' },
      ]);
    }
    const dashboard = await this.dashboards.get(input.dashboard_id);
    const embedUser = email !== undefined ? { email: email.trim().toLowerCase() } : { id: id! };
    const filters = filtersAsText(input.filters);
    const { token, expiresAt, jti } = await this.guestTokens.issue({
      tenant_id: tenant.id,
      dashboard_id: dashboard.id,
      embed_user: embedUser,
      filters,
    });
    await this.audit.record({
      action: 'guest_token.issued',
      resourceType: 'dashboard',
      resourceId: dashboard.id,
      details: {
        jti,
        embed_user: embedUser,
        filters,
        expires_at: expiresAt.toISOString(),
        lifetime_seconds: GUEST_TOKEN_SECONDS,
      },
    });
    return {
      token,
      expires_at: expiresAt.toISOString(),
      embed_url: `${request.protocol}://${request.get('host') ?? 'localhost'}${embedPagePath(dashboard.id, token)}`,
    };
  }
}
