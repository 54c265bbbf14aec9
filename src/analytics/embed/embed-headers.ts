import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/**
 * Security headers of the /embed routes. The rest of the app sets no framing or CSP headers of
 * its own (it serves JSON); these routes are the only ones meant to be framed, so they say
 * exactly who may frame them and what the page may load:
 *
 * - frame-ancestors: 'self' and the tenant's embed_origins (validated bare origins, see
 *   src/branding/embed-origin.ts). No X-Frame-Options: it cannot list several origins, and
 *   browsers that know frame-ancestors ignore it anyway.
 * - script-src 'self': only the bundled script from /embed/assets (with SRI on the tag); no
 *   inline script runs. The page's data goes in a JSON <script type="application/json">, which
 *   is never executed. style-src allows the one inline <style> by nonce.
 * - connect-src 'self': the script can reach only this server's data routes.
 * - Referrer-Policy no-referrer: the page URL carries the guest token; it must not leak to the
 *   logo's host. Cache-Control no-store: a page with a token is never cached.
 */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function setEmbedPageHeaders(
  response: Response,
  options: { nonce: string; frameAncestors: readonly string[] },
): void {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'nonce-${options.nonce}'`,
    "connect-src 'self'",
    "img-src 'self' https: data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${options.frameAncestors.join(' ')}`,
  ].join('; ');
  response.setHeader('Content-Security-Policy', csp);
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Robots-Tag', 'noindex');
}

/** frame-ancestors of a dashboard page: this server and the tenant's own origins. */
export function dashboardFrameAncestors(embedOrigins: readonly string[]): string[] {
  return ["'self'", ...embedOrigins];
}

/**
 * A refusal page may be framed anywhere: it shows one sentence, holds no data and offers no
 * action, so framing it enables no clickjacking, and the customer's iframe shows the reason
 * instead of the browser's blank "refused to connect".
 */
export const REFUSAL_FRAME_ANCESTORS = ['*'];

/**
 * CORS for the embed data routes: a browser on one of the tenant's embed origins may read the
 * answer; any other origin gets no Access-Control-Allow-Origin and so cannot read it. Vary:
 * Origin keeps caches from mixing the two.
 */
export function allowEmbedOrigin(
  response: Response,
  origin: string | undefined,
  embedOrigins: readonly string[],
): void {
  response.setHeader('Vary', 'Origin');
  if (origin && embedOrigins.includes(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin);
  }
}
