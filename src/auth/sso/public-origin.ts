import type { Request } from 'express';

const HOST = /^[a-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-f:]{2,39}\](:\d{1,5})?$/i;

/**
 * The origin the client reached this app at (scheme from Express, which honours `trust proxy`;
 * host from the Host header). The SSO redirect URI is built on it, so the state cookie set on this
 * host comes back to the same host; an odd Host yields a redirect URI the IdP will not accept.
 */
export function publicOrigin(request: Request): string {
  const host = request.headers.host;
  const safeHost = host && HOST.test(host) ? host.toLowerCase() : '127.0.0.1';
  return `${request.protocol === 'https' ? 'https' : 'http'}://${safeHost}`;
}

export const SSO_CALLBACK_PATH = '/auth/sso/callback';

export function redirectUriFor(request: Request): string {
  return `${publicOrigin(request)}${SSO_CALLBACK_PATH}`;
}
