import type { Response } from 'express';

/**
 * Headers of the printable invoice page: static HTML, so the CSP allows nothing but its one
 * inline <style> (by nonce) and https images (the tenant's logo); no script, no framing, no
 * connections. Never cached (it is one tenant's bill).
 */
export function setInvoicePageHeaders(response: Response, nonce: string): void {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    'img-src https:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  response.setHeader('Content-Security-Policy', csp);
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Content-Type-Options', 'nosniff');
}
