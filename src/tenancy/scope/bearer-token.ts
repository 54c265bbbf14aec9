import type { Request } from 'express';

/** The credential of an `Authorization: Bearer <token>` header, else of `X-API-Key`, or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') return /^Bearer\s+(\S{1,4096})\s*$/i.exec(header)?.[1];
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && /^\S{1,4096}$/.test(apiKey) ? apiKey : undefined;
}
