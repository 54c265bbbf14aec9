import { HttpException, Logger } from '@nestjs/common';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { errorBody } from './all-exceptions.filter';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth';
import { rejectUnacceptableBody } from './unacceptable-input';

class BodyError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
  ) {
    super(type);
  }
}

/** Fails when the raw JSON nests objects/arrays deeper than `limit`. */
export function assertJsonDepth(raw: Buffer, limit = MAX_JSON_DEPTH): void {
  if (jsonDepthExceeds(raw, limit)) throw new BodyError('entity.too.deep', 400);
}

/**
 * Routes whose body is a file, read as a stream by their handler (which checks its type and
 * bounds its size): POST /admin/tenants/:id/import takes an export archive.
 */
const FILE_BODY_ROUTES = [/^\/admin\/tenants\/[^/]+\/import\/?$/];

function takesFileBody(request: Request): boolean {
  return request.method === 'POST' && FILE_BODY_ROUTES.some((route) => route.test(request.path));
}

/** A body on a write must be JSON: anything else would be silently ignored. */
function requireJsonContentType(request: Request, _response: Response, next: NextFunction): void {
  if (takesFileBody(request) && !request.is('application/json')) {
    next();
    return;
  }
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
    rejectUnacceptableBody,
    bodyErrorHandler,
  ];
}
