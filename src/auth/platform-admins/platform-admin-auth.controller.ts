import {
  Body,
  Controller,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Actor } from '../../tenancy/scope/actor';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { IsBoolean, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/omittable';
import { Public } from '../../tenancy/scope/access-policy';
import { RefreshDto } from '../login/dto/login.dto';
import {
  ADMIN_REFRESH_COOKIE,
  clearRefreshCookie,
  readRefreshCookie,
  setRefreshCookie,
} from '../login/refresh-cookie';
import type { AdminTokens } from './platform-admin-sessions.service';
import { PlatformAdminSessionsService } from './platform-admin-sessions.service';
import { PlatformAdminsService } from './platform-admins.service';

export class AdminLoginDto {
  @ApiProperty({ example: 'ops@tenantry.example', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;

  @ApiPropertyOptional({
    description:
      'For the operator console (default false): set the refresh token as an httpOnly, SameSite=Strict cookie scoped to /auth/admin instead of returning it',
  })
  @IsOmittable()
  @IsBoolean()
  refresh_cookie?: boolean;
}

export class AdminTokenResponse {
  @ApiProperty({ description: 'JWT for /admin routes only, 15 minutes' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900 }) expires_in: number;
  @ApiPropertyOptional({
    description:
      'Opaque, single use: each refresh returns a new one. Left out when it went into the refresh cookie',
  })
  refresh_token?: string;
  @ApiProperty({
    example: 43200,
    description: 'Seconds left of the session: 12 hours from the password login, never extended',
  })
  refresh_expires_in: number;
}

@ApiTags('auth')
@Controller('auth/admin')
export class PlatformAdminAuthController {
  constructor(
    private readonly admins: PlatformAdminsService,
    private readonly sessions: PlatformAdminSessionsService,
  ) {}

  @Post('login')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Platform admin login: a token that only /admin routes (and X-Tenant-ID acting) accept, and a 12-hour refresh token',
  })
  @ApiOkResponse({ type: AdminTokenResponse })
  @ApiUnauthorizedResponse({ description: 'Invalid credentials' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async login(
    @Body() input: AdminLoginDto,
    @Actor() actor: Actor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminTokenResponse> {
    const tokens = await this.admins.login(input.email, input.password, actor);
    return input.refresh_cookie ? deliverInCookie(tokens, request, response) : tokens;
  }

  @Post('refresh')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate an admin refresh token; reusing a rotated one revokes its whole family',
    description:
      'The token comes from the body or, left out there, from the `tenantry_admin_refresh` cookie set by a cookie-mode login; a cookie refresh answers with a new cookie. A disabled admin is refused.',
  })
  @ApiOkResponse({ type: AdminTokenResponse })
  @ApiUnauthorizedResponse({
    description: 'Unknown, expired, revoked or reused refresh token, or a disabled admin',
  })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async refresh(
    @Body() input: RefreshDto,
    @Actor() actor: Actor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminTokenResponse> {
    if (input.refresh_token !== undefined) return this.sessions.refresh(input.refresh_token, actor);
    const cookie = readRefreshCookie(request, ADMIN_REFRESH_COOKIE);
    try {
      if (!cookie) throw new UnauthorizedException('Invalid credentials');
      return deliverInCookie(await this.sessions.refresh(cookie, actor), request, response);
    } catch (error) {
      // A dead cookie is dropped, so the console shows its login page instead of retrying it.
      clearRefreshCookie(request, response, ADMIN_REFRESH_COOKIE);
      throw error;
    }
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke the admin refresh token and every token rotated from the same login',
    description: 'The token comes from the body or the admin refresh cookie; the cookie is cleared.',
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
    const token = input.refresh_token ?? readRefreshCookie(request, ADMIN_REFRESH_COOKIE);
    clearRefreshCookie(request, response, ADMIN_REFRESH_COOKIE);
    if (token) await this.sessions.logout(token, actor);
  }
}

/** Cookie mode: the refresh token goes into the httpOnly cookie and out of the JSON body. */
function deliverInCookie(
  tokens: AdminTokens,
  request: Request,
  response: Response,
): AdminTokenResponse {
  const { refresh_token: refreshToken, ...withoutRefreshToken } = tokens;
  setRefreshCookie(request, response, ADMIN_REFRESH_COOKIE, refreshToken, tokens.refresh_expires_in);
  return withoutRefreshToken;
}
