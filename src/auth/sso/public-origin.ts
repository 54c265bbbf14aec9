import type { Request } from 'express';

const HOST = /^[a-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-f:]{2,39}\](:\d{1,5})?$/i;

/**
 * The origin the client reached this app at: host from the Host header, https when the request
 * came over TLS or a proxy in front says so (X-Forwarded-Proto). The SSO redirect URI is built on
 * it, so the state cookie set on this host comes back to the same host. Whoever sends odd headers
 * only changes where their own browser is sent back to, and the IdP accepts none but the
 * registered URIs.
 */
export function publicOrigin(request: Request): string {
  const host = request.headers.host;
  const safeHost = host && HOST.test(host) ? host.toLowerCase() : '127.0.0.1';
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return `${request.secure || proto === 'https' ? 'https' : 'http'}://${safeHost}`;
}

export const SSO_CALLBACK_PATH = '/auth/sso/callback';

export function redirectUriFor(request: Request): string {
  return `${publicOrigin(request)}${SSO_CALLBACK_PATH}`;
}
