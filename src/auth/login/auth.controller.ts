import { Body, Controller, Get, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
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
  login(
    @Body() input: LoginDto,
    @Actor() actor: Actor,
    @Headers('host') host?: string,
  ): Promise<TokenPairResponse> {
    return this.sessions.login(input, host, this.baseDomain, actor);
  }

  @Post('refresh')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token; reusing a rotated one revokes its whole family',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or reused refresh token' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  refresh(@Body() input: RefreshDto, @Actor() actor: Actor): Promise<TokenPairResponse> {
    return this.sessions.refresh(input.refresh_token, actor);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the refresh token and every token rotated from the same login' })
  @ApiNoContentResponse({
    description: 'Revoked (also when the token was unknown or already revoked)',
  })
  async logout(@Body() input: RefreshDto, @Actor() actor: Actor): Promise<void> {
    await this.sessions.logout(input.refresh_token, actor);
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
