import { parse } from 'cookie';
import type { Request, Response } from 'express';

/**
 * Refresh tokens for browsers (the /app and /console consoles, SSO). A console keeps its access
 * token in memory only; the refresh token lives in a cookie the page's script can never read:
 *
 * - httpOnly: an injected script cannot steal the long-lived credential.
 * - SameSite=Strict: no other site can make the browser send it, so a cross-site form or
 *   fetch cannot refresh or log out (the CSRF defence; the answer is JSON that another origin
 *   cannot read anyway).
 * - Path: only the auth routes that use it receive it, never the data API.
 * - Secure whenever the request came over HTTPS (behind a proxy: with trust proxy set), so a
 *   local http://localhost stack still works.
 * - Host-only (no Domain): a custom domain and the platform's own host never share it.
 */
export interface RefreshCookie {
  name: string;
  path: string;
}

export const TENANT_REFRESH_COOKIE: RefreshCookie = { name: 'tenantry_refresh', path: '/auth' };
export const ADMIN_REFRESH_COOKIE: RefreshCookie = {
  name: 'tenantry_admin_refresh',
  path: '/auth/admin',
};

/** Longest value read from a cookie: a refresh token is far shorter; anything longer is junk. */
const MAX_COOKIE_VALUE = 200;

export function readRefreshCookie(request: Request, cookie: RefreshCookie): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  const value = parse(header)[cookie.name];
  return value && value.length <= MAX_COOKIE_VALUE ? value : undefined;
}

export function setRefreshCookie(
  request: Request,
  response: Response,
  cookie: RefreshCookie,
  token: string,
  maxAgeSeconds: number,
): void {
  response.cookie(cookie.name, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.secure,
    path: cookie.path,
    maxAge: maxAgeSeconds * 1000,
  });
}

export function clearRefreshCookie(
  request: Request,
  response: Response,
  cookie: RefreshCookie,
): void {
  response.clearCookie(cookie.name, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.secure,
    path: cookie.path,
  });
}
