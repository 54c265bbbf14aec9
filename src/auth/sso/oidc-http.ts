import type { CustomFetch } from 'openid-client';
import { refuseInternalHost } from './idp-address';

/** Every call to an identity provider: discovery, JWKS, token, userinfo. */
export const IDP_TIMEOUT_SECONDS = 5;
/** The largest answer read from an identity provider; a discovery document is a few kB. */
export const IDP_RESPONSE_LIMIT_BYTES = 256 * 1024;

export class IdpResponseTooLargeError extends Error {
  constructor() {
    super(`the identity provider answered more than ${IDP_RESPONSE_LIMIT_BYTES} bytes`);
  }
}

/**
 * fetch for openid-client with a deadline, no redirects followed, and the body read up to a cap:
 * an issuer URL is the tenant's to choose, so whatever answers there must not hold a request
 * for long or fill the process's memory. Without `allowInternalAddresses` (production, unless
 * SSO_ALLOW_INTERNAL_ISSUERS says otherwise) a host on an internal address is refused before
 * any connection (see idp-address.ts).
 */
export function createIdpFetch(options: { allowInternalAddresses: boolean }): CustomFetch {
  return (async (url: string, init) => {
    if (!options.allowInternalAddresses) await refuseInternalHost(new URL(url).hostname);
    return boundedIdpFetch(url, init);
  });
}

const boundedIdpFetch = (async (url: string, options) => {
  const deadline = AbortSignal.timeout(IDP_TIMEOUT_SECONDS * 1000);
  const response = await fetch(url, {
    method: options.method,
    headers: options.headers,
    body: options.body as RequestInit['body'],
    redirect: 'manual',
    signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
  });
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > IDP_RESPONSE_LIMIT_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new IdpResponseTooLargeError();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > IDP_RESPONSE_LIMIT_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new IdpResponseTooLargeError();
      }
      chunks.push(value);
    }
  }
  const nullBody = [101, 204, 205, 304].includes(response.status);
  return new Response(nullBody ? null : Buffer.concat(chunks), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}) as CustomFetch;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * What is wrong with an issuer URL, or null. https only; plain http for a loopback host when
 * `allowLoopbackHttp` (development and tests, where the identity provider runs on this machine).
 */
export function issuerProblem(value: string, allowLoopbackHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'issuer must be an absolute https URL';
  }
  const loopback = LOOPBACK.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && allowLoopbackHttp)) {
    return allowLoopbackHttp
      ? 'issuer must be an https URL (http only for localhost, 127.0.0.1 or [::1])'
      : 'issuer must be an https URL';
  }
  if (url.username || url.password || url.search || url.hash || value.includes('#')) {
    return 'issuer must not hold credentials, a query or a fragment';
  }
  return null;
}

export function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && LOOPBACK.test(url.hostname);
}
