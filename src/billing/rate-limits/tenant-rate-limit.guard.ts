import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { TenantRequest } from '../../tenancy/scope/tenant-request';
import { TenantRateLimitedException } from './tenant-rate-limited.exception';
import { TenantRateLimiterService } from './tenant-rate-limiter.service';

/**
 * The rate-limit step of the tenant pipeline (src/tenancy/scope/README.md), run by
 * DeclaredAccessGuard right after TenantAuthGuard resolved the tenant and before the tenant
 * transaction: a refused request does no work and opens no transaction. A tenant credential's
 * request is counted and its answer, success or error, carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset (draft-ietf-httpapi-ratelimit-headers-06); a refused
 * one is 429 with Retry-After. Platform admins acting on a tenant (X-Tenant-ID) are not counted
 * against it and get no such headers; neither does a request Redis could not count.
 */
@Injectable()
export class TenantRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: TenantRateLimiterService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<TenantRequest>();
    const { tenant, caller } = request;
    if (!tenant || !caller) throw new Error('TenantRateLimitGuard ran before tenant resolution');
    if (caller.kind === 'platform_admin') return true;
    const decision = await this.limiter.check(tenant);
    if (!decision) return true;
    const response = http.getResponse<Response>();
    response.setHeader('RateLimit-Limit', String(decision.limit));
    response.setHeader('RateLimit-Remaining', String(decision.remaining));
    response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      response.setHeader('Retry-After', String(decision.resetSeconds));
      throw new TenantRateLimitedException(tenant.tier, decision.limit, decision.resetSeconds);
    }
    return true;
  }
}
