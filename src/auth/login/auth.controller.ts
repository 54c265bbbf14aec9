import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ConfigService } from '@nestjs/config';
import {
  ApiHeader,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor } from '../../tenancy/scope/actor';
import { Caller } from '../../tenancy/scope/caller';
import { CurrentTenant } from '../../tenancy/scope/current-tenant';
import { isUuid } from '../../common/uuid';
import type { Environment } from '../../config/environment';
import type { Tenant } from '../../tenancy/tenant.entity';
import { Public } from '../../tenancy/scope/access-policy';
import { permissionsOf, PERMISSIONS } from '../permissions';
import { RequirePermissions } from '../../tenancy/scope/require-permissions.decorator';
import { UserResponse } from '../users/dto/user.response';
import { PasswordSetupService } from '../users/password-setup.service';
import { UsersService } from '../users/users.service';
import { LoginDto, RefreshDto, SetPasswordDto } from './dto/login.dto';
import { MeResponse } from './dto/me.response';
import { TokenPairResponse } from './dto/token-pair.response';
import {
  clearRefreshCookie,
  readRefreshCookie,
  setRefreshCookie,
  TENANT_REFRESH_COOKIE,
} from './refresh-cookie';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  private readonly baseDomain: string;

  constructor(
    private readonly sessions: SessionService,
    private readonly passwordSetup: PasswordSetupService,
    private readonly users: UsersService,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDomain = config.get('BASE_DOMAIN', { infer: true });
  }

  @Post('login')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({ summary: 'Password login: a 15-minute access token and a 30-day refresh token' })
  @ApiHeader({
    name: 'host',
    required: false,
    description:
      'A tenant subdomain `<slug>.<BASE_DOMAIN>` or verified custom domain names the tenant ' +
      'when `tenant` is left out; on a custom domain, no other tenant logs in',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ description: 'Invalid credentials (the same answer for every cause)' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async login(
    @Body() input: LoginDto,
    @Actor() actor: Actor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('host') host?: string,
  ): Promise<TokenPairResponse> {
    const tokens = await this.sessions.login(input, host, this.baseDomain, actor);
    return input.refresh_cookie ? deliverInCookie(tokens, request, response) : tokens;
  }

  @Post('refresh')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token; reusing a rotated one revokes its whole family',
    description:
      'The token comes from the body or, left out there, from the `tenantry_refresh` cookie set by a cookie-mode login; a cookie refresh answers with a new cookie.',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or reused refresh token' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async refresh(
    @Body() input: RefreshDto,
    @Actor() actor: Actor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TokenPairResponse> {
    if (input.refresh_token !== undefined) return this.sessions.refresh(input.refresh_token, actor);
    const cookie = readRefreshCookie(request, TENANT_REFRESH_COOKIE);
    try {
      if (!cookie) throw new UnauthorizedException('Invalid credentials');
      return deliverInCookie(await this.sessions.refresh(cookie, actor), request, response);
    } catch (error) {
      // A dead cookie is dropped, so the console shows its login page instead of retrying it.
      clearRefreshCookie(request, response, TENANT_REFRESH_COOKIE);
      throw error;
    }
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke the refresh token and every token rotated from the same login',
    description: 'The token comes from the body or the refresh cookie; the cookie is cleared.',
  })
  @ApiNoContentResponse({
    description: 'Revoked (also when the token was unknown or already revoked)',
  })
  async logout(
    @Body() input: RefreshDto,
    @Actor() actor: Actor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const token = input.refresh_token ?? readRefreshCookie(request, TENANT_REFRESH_COOKIE);
    clearRefreshCookie(request, response, TENANT_REFRESH_COOKIE);
    if (token) await this.sessions.logout(token, actor);
  }

  @Post('password')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a password with a one-time password-set token (a new owner, say)' })
  @ApiNoContentResponse({ description: 'The password is set; the token is used up' })
  @ApiBadRequestResponse({
    description: 'A malformed field, or a token that is invalid, used or expired (names `token`)',
  })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async setPassword(@Body() input: SetPasswordDto): Promise<void> {
    await this.passwordSetup.redeem(input.token, input.password);
  }

  @Get('me')
  @RequirePermissions()
  @ApiOperation({ summary: 'Who the credential is: tenant, role, permissions, user' })
  @ApiOkResponse({ type: MeResponse })
  async me(@Caller() principal: Caller, @CurrentTenant() tenant: Tenant): Promise<MeResponse> {
    const user =
      principal.kind === 'tenant' && isUuid(principal.subject)
        ? await this.users.find(principal.subject)
        : null;
    return {
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, tier: tenant.tier },
      credential: principal.kind,
      role: principal.kind === 'tenant' ? (principal.role ?? null) : null,
      permissions:
        principal.kind === 'tenant'
          ? permissionsOf(principal.role)
          : principal.kind === 'api_key'
            ? principal.scopes
            : PERMISSIONS,
      user: user ? UserResponse.from(user) : null,
    };
  }
}

/** Cookie mode: the refresh token goes into the httpOnly cookie and out of the JSON body. */
function deliverInCookie(
  tokens: TokenPairResponse,
  request: Request,
  response: Response,
): TokenPairResponse {
  const { refresh_token: refreshToken, ...withoutRefreshToken } = tokens;
  if (refreshToken) {
    setRefreshCookie(
      request,
      response,
      TENANT_REFRESH_COOKIE,
      refreshToken,
      tokens.refresh_expires_in,
    );
  }
  return withoutRefreshToken;
}
