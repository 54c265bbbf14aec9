import { HttpException, Logger } from '@nestjs/common';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { errorBody } from './all-exceptions.filter';
import { rejectNulInBody } from './nul-characters';

/** Deeper JSON than this is refused: nothing legitimate nests so far, and deep nesting can exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

class BodyError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
  ) {
    super(type);
  }
}

/** Fails when the raw JSON nests objects/arrays deeper than `limit` (one pass, strings skipped). */
export function assertJsonDepth(raw: Buffer, limit = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > limit) throw new BodyError('entity.too.deep', 400);
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
    }
  }
}

/** A body on a write must be JSON: anything else would be silently ignored. */
function requireJsonContentType(request: Request, _response: Response, next: NextFunction): void {
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 ||
    request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is('application/json')) {
    next(new BodyError('content-type.unsupported', 415));
    return;
  }
  next();
}

/** Every route takes a JSON object: a top-level array would reach the DTOs as "missing fields". */
function requireJsonObject(request: Request, _response: Response, next: NextFunction): void {
  if (Array.isArray(request.body)) {
    next(new BodyError('entity.not.object', 400));
    return;
  }
  next();
}

const logger = new Logger('HttpBody');

/**
 * Express error middleware right after the body parser: Nest's filters never see a body-parser
 * failure, so malformed, oversize, too deep, undecodable or non-JSON bodies get the same JSON
 * error shape (with the request id) here.
 */
export function bodyErrorHandler(
  error: unknown,
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  const status =
    error instanceof HttpException ? error.getStatus() : (error as { status?: unknown }).status;
  if (response.headersSent || typeof status !== 'number' || status < 400 || status >= 500) {
    next(error);
    return;
  }
  const body = errorBody(error);
  logger.warn(
    { request_id: request.id, status: body.statusCode, reason: body.message },
    'request body refused',
  );
  response.status(body.statusCode).json({ ...body, requestId: request.id });
}

/** The JSON body pipeline: content-type check, size- and depth-limited parser, objects only, error answers. */
export function jsonBody(limit: string): (RequestHandler | typeof bodyErrorHandler)[] {
  return [
    requireJsonContentType,
    json({ limit, verify: (_request, _response, raw) => assertJsonDepth(raw) }),
    requireJsonObject,
    rejectNulInBody,
    bodyErrorHandler,
  ];
}
