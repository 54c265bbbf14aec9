import { parse } from 'cookie';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What one SSO login carries from /auth/sso/start to /auth/sso/callback, in a cookie sealed with
 * AES-256-GCM (encrypted and authenticated: the browser can neither read the PKCE verifier nor
 * change the tenant or the return path). The callback also records the state as used
 * (sso_login_states), so the cookie is good once.
 */
export interface SsoLoginState {
  tenantId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  returnTo: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const SSO_STATE_COOKIE = 'tenantry_sso';
export const SSO_STATE_COOKIE_PATH = '/auth/sso';
export const SSO_STATE_SECONDS = 600;
/** Longer cookies are not ours: nothing is decrypted from them. */
const MAX_COOKIE_LENGTH = 2048;
const AAD = Buffer.from('tenantry sso login state v1');

/** The cookie key, derived from JWT_SECRET (every app copy has it; no other use of this key). */
export function stateKey(jwtSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', jwtSecret, '', 'tenantry sso login state', 32));
}

export function sealState(key: Buffer, state: SsoLoginState): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The state, or null when the value was not sealed by us, was changed, or has expired. */
export function openState(key: Buffer, value: string | undefined): SsoLoginState | null {
  if (!value || value.length > MAX_COOKIE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const raw = Buffer.from(value, 'base64url');
  if (raw.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString();
    const state = JSON.parse(text) as SsoLoginState;
    return typeof state.expiresAt === 'number' && state.expiresAt > Date.now() ? state : null;
  } catch {
    return null;
  }
}

/** The value of one cookie of a Cookie header (bounded: a longer header is not read). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  return parse(header)[name];
}

/**
 * Where a login may return to: a path under /app/ only (no scheme, no host, no `//`, no dot
 * segments, no backslash, nothing percent-encoded that would become one of those).
 */
export const RETURN_TO_PATTERN =
  /^(?!.*\/\/)(?!.*\/\.\.?(?:\/|$|\?|#))(?!.*%(?:2e|2f|5c|00))(?!.*\\)\/app\/[\x21-\x7e]{0,500}$/i;

export function isSafeReturnTo(value: string): boolean {
  return RETURN_TO_PATTERN.test(value);
}
