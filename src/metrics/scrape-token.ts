import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether a request carries the scrape token as `Authorization: Bearer <token>`. Both sides are
 * hashed first, so the comparison takes the same time whatever the length or the first wrong
 * byte. No token configured: nobody may scrape.
 */
export function carriesScrapeToken(request: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const header = request.headers.authorization;
  const offered =
    typeof header === 'string' ? /^Bearer\s+(\S{1,4096})\s*$/i.exec(header)?.[1] : undefined;
  if (!offered) return false;
  return timingSafeEqual(digest(offered), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The challenge sent with every refused scrape. */
export const SCRAPE_CHALLENGE = 'Bearer realm="metrics"';
