import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { QueryKind } from './query-cost-model';
import { COSTED_QUERY_KIND, QueryCostInterceptor } from './query-cost.interceptor';

/** Marks an analytics route whose store reads are metered and written to the query cost log. */
export const CostedQuery = (kind: QueryKind): MethodDecorator =>
  applyDecorators(SetMetadata(COSTED_QUERY_KIND, kind), UseInterceptors(QueryCostInterceptor));
