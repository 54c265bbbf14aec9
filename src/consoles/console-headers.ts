import type { Response } from 'express';

/**
 * Security headers of the consoles' page. The CSP allows only this server's own hashed files:
 *
 * - script-src/style-src 'self': no inline script or style runs, so an injected one cannot
 *   (Preact sets styles through the CSSOM, which style-src does not govern).
 * - connect-src 'self': the page talks to this server's API only.
 * - frame-src 'self': the dashboard editor previews /embed pages; frame-ancestors 'none': the
 *   consoles themselves are never framed (clickjacking).
 * - img-src https: and data: for the tenant's logo (branding allows any https URL).
 * - Cache-Control no-cache: the page is tiny and names the current build's files, so it is
 *   revalidated on every load while the hashed files are cached for a year.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' https: data:",
  "font-src 'self'",
  "frame-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function setConsolePageHeaders(response: Response): void {
  response.setHeader('Content-Security-Policy', CONSOLE_CSP);
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'no-cache');
  response.setHeader('Referrer-Policy', 'same-origin');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('X-Robots-Tag', 'noindex');
}

const ASSET_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export function assetContentType(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : ASSET_TYPES[name.slice(dot)];
}

export function setAssetHeaders(response: Response, contentType: string): void {
  // The name carries the content's hash: a new build is a new URL, so this one never changes.
  response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  response.setHeader('Content-Type', contentType);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}
