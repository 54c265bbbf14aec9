import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AnalyticsQueryRefusedException } from './analytics-query-refused.exception';
import { withCacheOutcome } from './cache-outcome';
import { QueryTurnExpiredException } from './query-turn-expired.exception';

/**
 * The headers of an analytics answer: `X-Cache: hit|miss` on every one (errors included: they
 * never come from the cache), and Retry-After on a 429 for concurrent queries and on a 503 for a
 * background query that waited past its time per query for a turn.
 */
@Injectable()
export class FairQueryInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return from(
      withCacheOutcome(() =>
        lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined }),
      ).then((done) => {
        if (!response.headersSent) response.setHeader('X-Cache', done.outcome);
        if ('error' in done) {
          const { error } = done;
          if (
            (error instanceof AnalyticsQueryRefusedException ||
              error instanceof QueryTurnExpiredException) &&
            !response.headersSent
          ) {
            response.setHeader('Retry-After', String(error.retryAfterSeconds));
          }
          throw error;
        }
        return done.result;
      }),
    );
  }
}
