import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import type { Request } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { routeTemplate } from '../../common/route-template';
import type { TenantRequest } from '../../tenancy/scope/tenant-request';
import type { Tenant } from '../../tenancy/tenant.entity';
import { withCacheOutcome } from '../fair/cache-outcome';
import { ANALYTICS_STORE, type AnalyticsStore } from '../stores/analytics-store';
import type { QueryKind } from './query-cost-model';
import { QueryCostService } from './query-cost.service';
import { meterReads } from './read-meter';

/** Metadata key of `@CostedQuery(kind)`: which kind of query a route answers. */
export const COSTED_QUERY_KIND = 'tenantry:costed-query-kind';

/**
 * Names the tenant the query cost log charges for a request the access guards resolved no tenant
 * for: a public embed route, whose tenant comes from its guest token.
 */
export function chargeQueryTo(request: Request, tenant: Tenant): void {
  (request as TenantRequest).tenant = tenant;
}

/**
 * Meters what an analytics request reads from the store, times it, and writes one query cost
 * row for its tenant. Runs inside the tenant transaction, so the row commits with the request.
 * Only queries the store answered are recorded: a refused one (400, 429) never reached it, and a
 * result cache hit (about a millisecond, no read) is neither logged nor observed in the duration
 * histogram, so the analytics p95 (its alert, the tenant health card's `queries`) stays the
 * store's; cache hits are counted by tenantry_analytics_cache_lookups_total.
 */
@Injectable()
export class QueryCostInterceptor implements NestInterceptor {
  private readonly logger = new Logger(QueryCostInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly costs: QueryCostService,
    @Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kind = this.reflector.get<QueryKind | undefined>(COSTED_QUERY_KIND, context.getHandler());
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const started = performance.now();
    return from(
      withCacheOutcome(() =>
        meterReads(() =>
          lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined }),
        ),
      ).then(async (done) => {
        if ('error' in done) throw done.error;
        const { result, reads } = done.result;
        const tenantId = request.tenant?.id;
        if (kind && tenantId && done.outcome === 'miss') {
          const durationMs = performance.now() - started;
          const entry = {
            tenantId,
            kind,
            route: routeTemplate(request),
            store: this.store.kind,
            durationMs,
            reads,
          };
          await this.costs.record(entry);
          this.logger.log({ msg: 'analytics query', ...entry, tenant_id: tenantId });
        }
        return result;
      }),
    );
  }
}
