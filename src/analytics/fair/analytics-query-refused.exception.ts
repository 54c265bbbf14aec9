import { HttpException, HttpStatus } from '@nestjs/common';
import type { TenantTier } from '../../tenancy/tenant.entity';

/** Why an analytics query was refused before it ran. */
export const QUERY_REFUSAL_REASONS = ['concurrent_queries'] as const;
export type QueryRefusalReason = (typeof QUERY_REFUSAL_REASONS)[number];

/**
 * 429 for an analytics query over the tenant's concurrent queries: the body names the reason,
 * the tier, the limit and the seconds to wait; the interceptor sets Retry-After from it.
 */
export class AnalyticsQueryRefusedException extends HttpException {
  constructor(
    tier: TenantTier,
    limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      {
        message:
          `The ${tier} plan runs at most ${limit} analytics queries of the tenant at once ` +
          `(every app copy together), and that many are running: retry in ${retryAfterSeconds} s`,
        reason: 'concurrent_queries' satisfies QueryRefusalReason,
        tier,
        limit,
        retry_after: retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** The 429 body, for the OpenAPI document. */
export const QUERY_REFUSED_RESPONSE_SCHEMA = {
  type: 'object',
  description:
    'The tenant already runs as many analytics queries at once as its plan allows ' +
    '(`analytics_concurrent_queries`, every app copy together); nothing ran',
  required: [
    'statusCode',
    'error',
    'message',
    'reason',
    'tier',
    'limit',
    'retry_after',
    'requestId',
  ],
  additionalProperties: false,
  properties: {
    statusCode: { const: 429 },
    error: { const: 'Too Many Requests' },
    message: { type: 'string' },
    reason: { type: 'string', enum: [...QUERY_REFUSAL_REASONS] },
    tier: { type: 'string', enum: ['starter', 'growth', 'enterprise'], example: 'starter' },
    limit: { type: 'integer', minimum: 1, description: 'Queries at once', example: 2 },
    retry_after: { type: 'integer', minimum: 1, maximum: 60, description: 'Seconds to wait' },
    requestId: { type: 'string' },
  },
} as const;
