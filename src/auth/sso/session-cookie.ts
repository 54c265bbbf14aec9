import type { Request, Response } from 'express';
import type { TokenPairResponse } from '../login/dto/token-pair.response';

/**
 * Hands an SSO login's session to the browser: the refresh token as the httpOnly tenant refresh
 * cookie (SameSite=Strict, Path=/auth: only /auth/refresh and /auth/logout ever see it). The
 * access token is not sent: the /app page gets one from POST /auth/refresh.
 */
export function setSessionCookie(
  request: Request,
  response: Response,
  tokens: TokenPairResponse,
): void {
  response.cookie('tenantry_refresh', tokens.refresh_token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/auth',
    maxAge: tokens.refresh_expires_in * 1000,
  });
}
