import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { QueryKind } from './query-cost-model';
import { QueryCostInterceptor } from './query-cost.interceptor';

export const COSTED_QUERY_KIND = 'tenantry:costed-query-kind';

/** Marks an analytics route whose store reads are metered and written to the query cost log. */
export const CostedQuery = (kind: QueryKind): MethodDecorator =>
  applyDecorators(SetMetadata(COSTED_QUERY_KIND, kind), UseInterceptors(QueryCostInterceptor));
