import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PlansModule } from '../plans/plans.module';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard';
import {
  RATE_LIMIT_REFUSALS,
  RATE_LIMIT_UNAVAILABLE,
  TenantRateLimiterService,
} from './tenant-rate-limiter.service';

/**
 * The per-tenant API rate limit (README, "Rate limits"). Its guard is a step of the tenant
 * pipeline: TenantScopeModule imports this module and DeclaredAccessGuard runs the guard after
 * the tenant is resolved.
 */
@Module({
  imports: [PlansModule],
  providers: [
    TenantRateLimiterService,
    TenantRateLimitGuard,
    makeCounterProvider({
      name: RATE_LIMIT_REFUSALS,
      help: 'Tenant API requests refused with 429 for the plan rate limit, by tier',
      labelNames: ['tier'],
    }),
    makeCounterProvider({
      name: RATE_LIMIT_UNAVAILABLE,
      help: 'Tenant API requests let through uncounted because Redis did not answer (fail open)',
    }),
  ],
  exports: [TenantRateLimitGuard],
})
export class RateLimitsModule {}
