import { HttpException, HttpStatus } from '@nestjs/common';
import type { TenantTier } from '../../tenancy/tenant.entity';

/**
 * 429 for a tenant over its plan's requests per minute. The body (AllExceptionsFilter's shape)
 * names the tier, the limit and the seconds to wait; the guard has set Retry-After already.
 */
export class TenantRateLimitedException extends HttpException {
  constructor(tier: TenantTier, limit: number, retryAfterSeconds: number) {
    super(
      {
        message:
          `Rate limit of the ${tier} plan reached: ${limit} API requests per minute for the ` +
          `tenant, all credentials together; retry in ${retryAfterSeconds} s`,
        tier,
        limit,
        retry_after: retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
