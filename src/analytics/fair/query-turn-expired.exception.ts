import { QUERY_SECONDS_LIMIT, StoreLimitExceededException } from '../stores/store-limits';

/**
 * 503 for a background query that waited longer than the tenant's time per query for its turn
 * (BackgroundQueryRunner): it never started. The same shape as the time limit's stop (`limit:
 * analytics_query_seconds`), and a Retry-After the interceptor sets from `retryAfterSeconds`.
 */
export class QueryTurnExpiredException extends StoreLimitExceededException {
  readonly retryAfterSeconds: number;

  constructor(seconds: number) {
    // The queue ahead was at least the tenant's time per query long: about that long again.
    const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil(seconds)));
    super(
      QUERY_SECONDS_LIMIT,
      503,
      `The query waited longer than the ${seconds} s per query the plan allows for its turn on ` +
        `the analytics store, busy with background queries; nothing ran: retry in ${retryAfterSeconds} s`,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
