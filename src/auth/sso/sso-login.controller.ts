import { Controller, Get, Headers, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  ApiFoundResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Environment } from '../../config/environment';
import { Actor } from '../../tenancy/scope/actor';
import { Public } from '../../tenancy/scope/access-policy';
import { slugFromHost } from '../../tenancy/slug';
import { LoginOptionsQuery, LoginOptionsResponse, SsoStartQuery } from './dto/login-options.dto';
import { redirectUriFor } from './public-origin';
import {
  cookieValue,
  SSO_STATE_COOKIE,
  SSO_STATE_COOKIE_PATH,
  SSO_STATE_SECONDS,
} from './sso-login-state';
import { SsoLoginService } from './sso-login.service';
import { setRefreshCookie, TENANT_REFRESH_COOKIE } from '../login/refresh-cookie';

const HOST_HEADER = {
  name: 'host',
  required: false,
  description:
    'A tenant subdomain `<slug>.<BASE_DOMAIN>` names the tenant when `tenant` is left out',
};

/** The public side of SSO: what the login page offers, and the browser's round trip to the IdP. */
@ApiTags('auth')
@Controller('auth')
export class SsoLoginController {
  private readonly baseDomain: string;

  constructor(
    private readonly sso: SsoLoginService,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDomain = config.get('BASE_DOMAIN', { infer: true });
  }

  @Get('login-options')
  @Public()
  @ApiOperation({
    summary: "What the tenant's login page offers: password login, SSO and where SSO starts",
    description: 'An unknown tenant answers like a tenant without SSO.',
  })
  @ApiHeader(HOST_HEADER)
  @ApiOkResponse({ type: LoginOptionsResponse })
  loginOptions(
    @Query() query: LoginOptionsQuery,
    @Headers('host') host?: string,
  ): Promise<LoginOptionsResponse> {
    return this.sso.loginOptions(query.tenant ?? slugFromHost(host, this.baseDomain), host);
  }

  @Get('sso/start')
  @Public()
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: "Start an SSO login: 302 to the tenant's identity provider (code flow with PKCE)",
    description:
      'Sets the short-lived (10 minutes) encrypted login-state cookie. A tenant without SSO ' +
      '(or an unknown one) is sent to /app/login?error=sso_unavailable instead.',
  })
  @ApiHeader(HOST_HEADER)
  @ApiFoundResponse({
    description: "To the IdP's authorization endpoint, or to /app/login?error=…",
  })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async start(
    @Query() query: SsoStartQuery,
    @Req() request: Request,
    @Res() response: Response,
    @Actor() actor: Actor,
    @Headers('host') host?: string,
  ): Promise<void> {
    const result = await this.sso.start(
      query.tenant ?? slugFromHost(host, this.baseDomain),
      host,
      query.return_to ?? '/app/',
      redirectUriFor(request),
      actor,
    );
    if (result.stateCookie) {
      response.cookie(SSO_STATE_COOKIE, result.stateCookie, {
        httpOnly: true,
        // Lax: the IdP's redirect back is a cross-site top-level GET, which Strict would not send.
        sameSite: 'lax',
        secure: request.secure,
        path: SSO_STATE_COOKIE_PATH,
        maxAge: SSO_STATE_SECONDS * 1000,
      });
    }
    response.setHeader('Cache-Control', 'no-store');
    redirect(response, result.location);
  }

  @Get('sso/callback')
  @Public()
  @UseGuards(ThrottlerGuard)
  @ApiOperation({
    summary: 'The IdP redirects back here: the session starts, 302 to the return path under /app/',
    description:
      'The IdP sends `code`, `state` and `iss` (or `error`) in the query; they are not listed as ' +
      'parameters because only an IdP calls this. On success the refresh token is set as the ' +
      'httpOnly refresh cookie; any failure (expired, tampered or replayed state, another IdP, ' +
      'unverified email, …) is audited and sent to /app/login?error=<code>.',
  })
  @ApiFoundResponse({ description: 'To the return path under /app/, or to /app/login?error=…' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  async callback(
    @Req() request: Request,
    @Res() response: Response,
    @Actor() actor: Actor,
  ): Promise<void> {
    const result = await this.sso.callback(
      request.query,
      cookieValue(request.headers.cookie, SSO_STATE_COOKIE),
      request.headers.host,
      actor,
    );
    response.clearCookie(SSO_STATE_COOKIE, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: SSO_STATE_COOKIE_PATH,
    });
    if (result.tokens?.refresh_token) {
      // The session as a cookie-mode login leaves it: the refresh token in the httpOnly
      // SameSite=Strict cookie; the /app page gets its access token from POST /auth/refresh.
      setRefreshCookie(
        request,
        response,
        TENANT_REFRESH_COOKIE,
        result.tokens.refresh_token,
        result.tokens.refresh_expires_in,
      );
    }
    response.setHeader('Cache-Control', 'no-store');
    redirect(response, result.location);
  }
}

/** A 302 with no body (Express's redirect writes a small HTML one). */
function redirect(response: Response, location: string): void {
  response.status(302).setHeader('Location', location);
  response.end();
}
