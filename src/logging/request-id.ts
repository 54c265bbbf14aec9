import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The request's id: the caller's X-Request-ID when it is safe to log, else a new UUID. Set once,
 * first thing, so even a request refused by the body parser answers with it; pino-http reuses it.
 */
export function requestIdOf(
  request: IncomingMessage & { id?: unknown },
  response: ServerResponse,
): string {
  if (typeof request.id === 'string') return request.id;
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  request.id = id;
  response.setHeader('X-Request-ID', id);
  return id;
}

export function assignRequestId(
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
): void {
  requestIdOf(request, response);
  next();
}
