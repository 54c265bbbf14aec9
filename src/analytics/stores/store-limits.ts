import { HttpException } from '@nestjs/common';

/** A limit of the read-only ClickHouse profile, by the error code the server reports it with. */
const CLICKHOUSE_LIMITS: Record<number, { limit: string; status: 422 | 503; message: string }> = {
  158: {
    limit: 'max_rows_to_read',
    status: 422,
    message:
      'The query would read more rows than the analytics store allows per query: narrow the time range or add filters',
  },
  307: {
    limit: 'max_bytes_to_read',
    status: 422,
    message:
      'The query would read more data than the analytics store allows per query: narrow the time range or add filters',
  },
  159: {
    limit: 'max_execution_time',
    status: 503,
    message:
      'The query ran longer than the analytics store allows per query: try again later, or narrow the time range',
  },
  160: {
    limit: 'max_execution_time',
    status: 503,
    message:
      'The query would run longer than the analytics store allows per query: try again later, or narrow the time range',
  },
  241: {
    limit: 'max_memory_usage',
    status: 503,
    message:
      'The query needed more memory than the analytics store allows per query: try again later, or narrow the time range',
  },
};

/**
 * A read the store refused because it crossed one of its per-query limits: the caller's answer
 * (422 when the same request will always cross it, 503 when load may be to blame), naming the
 * limit, instead of a 500.
 */
export class StoreLimitExceededException extends HttpException {
  constructor(
    readonly limit: string,
    status: number,
    message: string,
  ) {
    super({ message, limit }, status);
  }
}

/** The answer for a ClickHouse error that is one of its limits, or undefined for any other. */
export function clickhouseLimitError(error: unknown): StoreLimitExceededException | undefined {
  const code = clickhouseErrorCode(error);
  const known = code === undefined ? undefined : CLICKHOUSE_LIMITS[code];
  return known && new StoreLimitExceededException(known.limit, known.status, known.message);
}

/** `code` of @clickhouse/client's ClickHouseError, or the `Code: N` of an 18.16 message. */
function clickhouseErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const match = /\bCode: (\d+)\b/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** The limit name a query stopped for the tenant's time per query answers with. */
export const QUERY_SECONDS_LIMIT = 'analytics_query_seconds';
/** The limit name a query stopped for the tenant's rows per query answers with. */
export const QUERY_ROWS_LIMIT = 'analytics_rows_per_query';

/** 503 for a query that ran past the tenant's time per query (or the store's own, if lower). */
export function queryTimeExceeded(seconds: number | undefined): StoreLimitExceededException {
  const allowed = seconds === undefined ? 'the time' : `the ${seconds} s`;
  return new StoreLimitExceededException(
    QUERY_SECONDS_LIMIT,
    503,
    `The query ran longer than ${allowed} per query the plan allows: try again later, or narrow the time range`,
  );
}

/** 422 for a query that read more rows than the tenant's plan allows per query. */
export function queryRowsExceeded(rows: number): StoreLimitExceededException {
  return new StoreLimitExceededException(
    QUERY_ROWS_LIMIT,
    422,
    `The query would read more than the ${rows} rows per query the plan allows: narrow the time range or add filters`,
  );
}

/**
 * The answer for a PostgreSQL error that is its statement_timeout (SQLSTATE 57014 with that
 * reason: a cancel for another reason is not a limit), or undefined for any other.
 */
export function postgresLimitError(
  error: unknown,
  seconds: number | undefined,
): StoreLimitExceededException | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '57014' || typeof message !== 'string' || !/statement timeout/.test(message)) {
    return undefined;
  }
  return queryTimeExceeded(seconds);
}
