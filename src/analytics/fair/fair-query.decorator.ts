import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiTooManyRequestsResponse, DECORATORS } from '@nestjs/swagger';
import { RATE_LIMIT_HEADER_REFS } from '../../billing/rate-limits/rate-limit-openapi';
import { OutsideTenantTransaction } from '../../tenancy/scope/access-policy';
import { QUERY_REFUSED_RESPONSE_SCHEMA } from './analytics-query-refused.exception';
import { FairQueryInterceptor } from './fair-query.interceptor';

export const X_CACHE_HEADER = {
  description:
    'Whether the answer came from the tenant’s result cache (`hit`: the same question within ' +
    'ANALYTICS_CACHE_SECONDS, no event of its range stored since) or from the store (`miss`)',
  schema: { type: 'string' as const, enum: ['hit', 'miss'] },
};

const RETRY_AFTER_HEADER = {
  description: 'Seconds until the tenant may send again',
  schema: { type: 'integer' as const, minimum: 1, maximum: 60 },
};

/**
 * Adds X-Cache to the route's documented success answer, and Retry-After to its 503 (sent when
 * a background query's turn did not come within the tenant's time per query), keeping each body
 * as declared.
 */
const documentHeaders: MethodDecorator = (_target, _key, descriptor) => {
  const method = descriptor.value as object;
  const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, method) ?? {}) as Record<
    string,
    { headers?: Record<string, unknown> }
  >;
  for (const [status, response] of Object.entries(responses)) {
    if (status.startsWith('2'))
      response.headers = { ...response.headers, 'X-Cache': X_CACHE_HEADER };
    if (status === '503')
      response.headers = { ...response.headers, 'Retry-After': RETRY_AFTER_HEADER };
  }
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, method);
  return descriptor;
};

/**
 * An analytics route answered through FairQueryService: its X-Cache and Retry-After headers
 * (FairQueryInterceptor) and their documentation. Goes above every other decorator of the
 * route, so it documents what they declared: its 429 joins the rate limit's. The handler runs
 * outside the request's tenant transaction: it parses its input in a short one
 * (FairQueryService.inTenant) and a query opens its own only once admitted, so a tenant's
 * queries waiting or refused hold no pooled connection.
 */
export const FairQuery = (): MethodDecorator =>
  applyDecorators(
    OutsideTenantTransaction(),
    UseInterceptors(FairQueryInterceptor),
    ApiTooManyRequestsResponse({
      description:
        'Or: the tenant already runs as many analytics queries at once as its plan allows ' +
        '(`reason: concurrent_queries`); nothing ran; retry after Retry-After seconds',
      headers: {
        ...RATE_LIMIT_HEADER_REFS,
        'Retry-After': RETRY_AFTER_HEADER,
        'X-Cache': X_CACHE_HEADER,
      },
      schema: {
        oneOf: [
          { $ref: '#/components/schemas/RateLimitedResponse' },
          QUERY_REFUSED_RESPONSE_SCHEMA,
        ],
      } as never,
    }),
    documentHeaders,
  );
