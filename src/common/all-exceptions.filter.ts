import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { PlacementMovedError, PlacementUnavailableError } from '../database/placements/placement';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

const BODY_PARSER_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'body is not valid JSON' },
  'entity.too.large': { status: 413, message: 'body is larger than the accepted limit' },
  'encoding.unsupported': { status: 415, message: 'body encoding is not supported' },
  'charset.unsupported': { status: 415, message: 'body charset is not supported' },
  'request.aborted': { status: 400, message: 'request was aborted' },
  'entity.too.deep': { status: 400, message: 'body nests deeper than 32 levels' },
  'entity.not.object': { status: 400, message: 'body must be a JSON object' },
  'content-type.unsupported': { status: 415, message: 'body must be application/json' },
};

/**
 * Every error leaves as JSON `{ statusCode, error, message, errors?, requestId }`. Anything
 * that is not an HttpException is our bug: logged with its stack, answered as a bare 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = errorBody(exception);
    if (
      exception instanceof PlacementMovedError ||
      exception instanceof PlacementUnavailableError
    ) {
      // Issue 18: the tenant's placement database is moving or cannot be reached (a silo down or
      // misconfigured): its tenants wait a moment, every other tenant is served.
      this.logger.warn({ err: exception, path: request.path }, 'tenant placement unavailable');
      if (!response.headersSent) {
        response.setHeader('Retry-After', exception instanceof PlacementMovedError ? '1' : '5');
      }
    } else if (isPoolExhausted(exception)) {
      // Every connection of this copy is busy (long requests of some tenants): a load answer
      // the caller may retry, and an operator's warning, not a bug.
      this.logger.warn({ path: request.path, method: request.method }, 'database pool exhausted');
      if (!response.headersSent) response.setHeader('Retry-After', '1');
    } else if (isDataException(exception)) {
      // A value validation should have refused reached the database: still the caller's 400,
      // but logged so the missing validation gets added.
      this.logger.warn(
        { err: exception, path: request.path, method: request.method },
        'database refused a request value that validation let through',
      );
    } else if (!(exception instanceof HttpException) || body.statusCode === 500) {
      // HttpExceptions are answers we chose (a 503 from /health, say); anything else is a bug.
      this.logger.error(
        { err: exception, path: request.path, method: request.method },
        'unhandled error',
      );
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json({ ...body, requestId: request.id });
  }
}

/** The JSON body for any error: HttpExceptions keep their details, body-parser errors are named. */
export function errorBody(exception: unknown): {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; message: string }[];
} {
  if (exception instanceof HttpException && exception.cause instanceof URIError) {
    // Express could not percent-decode a path parameter (Nest maps that URIError to a 400); the
    // route, and so the parameter's name, is not known yet.
    const message = 'path holds a percent-escape that is not UTF-8';
    return {
      statusCode: 400,
      error: reasonPhrase(400),
      message,
      errors: [{ field: 'path', message }],
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    if (typeof payload === 'string') {
      return { statusCode: status, error: reasonPhrase(status), message: payload };
    }
    const record = payload as Record<string, unknown>;
    const message = Array.isArray(record.message)
      ? record.message.join('; ')
      : typeof record.message === 'string'
        ? record.message
        : reasonPhrase(status);
    // The payload's own fields win (terminus puts its failing checks under `error`).
    return { error: reasonPhrase(status), ...record, statusCode: status, message };
  }
  if (exception instanceof PlacementMovedError) {
    return {
      statusCode: 503,
      error: reasonPhrase(503),
      message: "The tenant's data is being moved; retry in a moment",
    };
  }
  if (exception instanceof PlacementUnavailableError) {
    // The reason (a variable's name, a server's refusal) is the operator's: logged, not sent.
    return {
      statusCode: 503,
      error: reasonPhrase(503),
      message: "The tenant's database is unavailable; retry later",
    };
  }
  if (isPoolExhausted(exception)) {
    return {
      statusCode: 503,
      error: reasonPhrase(503),
      message: 'The service is busy: no database connection was free in time; retry in a moment',
    };
  }
  if (isDataException(exception)) {
    const message = 'A value in the request is malformed or out of range';
    return {
      statusCode: 400,
      error: reasonPhrase(400),
      message,
      errors: [{ field: 'request', message }],
    };
  }
  const parserError = exception as BodyParserError;
  const known = parserError?.type
    ? BODY_PARSER_ERRORS[parserError.type]
    : // zlib failures on a Content-Encoding body carry a status but no type
      parserError?.status === 400
      ? { status: 400, message: 'body could not be decoded' }
      : undefined;
  if (known) {
    return {
      statusCode: known.status,
      error: reasonPhrase(known.status),
      message: known.message,
      ...(known.status === 400 ? { errors: [{ field: 'body', message: known.message }] } : {}),
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: reasonPhrase(500),
    message: 'Internal server error',
  };
}

/** PostgreSQL SQLSTATE class 22, "data exception": a bad value, not a broken server. */
function isDataException(exception: unknown): boolean {
  const code = (exception as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return exception instanceof QueryFailedError && typeof code === 'string' && code.startsWith('22');
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return phrases[status] ?? HttpStatus[status]?.replace(/_/g, ' ') ?? 'Error';
}

/** pg-pool's error when no connection came free within connectionTimeoutMillis. */
function isPoolExhausted(exception: unknown): boolean {
  return (
    exception instanceof Error && exception.message === 'timeout exceeded when trying to connect'
  );
}
