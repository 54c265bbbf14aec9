import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { QueryKind } from './query-cost-model';
import { COSTED_QUERY_KIND, QueryCostInterceptor } from './query-cost.interceptor';

/** Marks an analytics route whose store reads are metered and written to the query cost log. */
export const CostedQuery = (kind: QueryKind): MethodDecorator =>
  applyDecorators(
    SetMetadata(COSTED_QUERY_KIND, kind),
    UseInterceptors(QueryCostInterceptor),
    // The analytics store's per-query limits (src/analytics/stores/store-limits.ts), named in `limit`.
    ApiResponse({
      status: 422,
      description:
        'The query would read more rows or bytes than the store allows per query: narrow the range or filter',
    }),
    ApiResponse({
      status: 503,
      description:
        'The query ran too long or needed too much memory in the store, waited too long for its turn ' +
        '(`limit: analytics_query_seconds`, with Retry-After), or the store is unreachable: retry later',
    }),
  );
