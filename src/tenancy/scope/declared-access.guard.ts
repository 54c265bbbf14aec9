import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { TenantRateLimitGuard } from '../../billing/rate-limits/tenant-rate-limit.guard';
import { accessPolicyOf } from './access-policy';
import { PlatformAdminGuard } from './platform-admin.guard';
import { TenantAuthGuard } from './tenant-auth.guard';

/**
 * Step 1, the one global guard: every route declares who may call it (@Public, @AdminOnly,
 * @RequirePermissions, or the scrape token of GET /metrics), and a route that declares nothing is
 * refused. The declaration picks the check that follows: the platform admin guard for /admin
 * routes, the tenant guard (then the tenant's rate limit) for tenant routes.
 */
@Injectable()
export class DeclaredAccessGuard implements CanActivate {
  constructor(
    private readonly platformAdmin: PlatformAdminGuard,
    private readonly tenantAuth: TenantAuthGuard,
    private readonly rateLimit: TenantRateLimitGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = accessPolicyOf(context);
    if (!policy) throw new ForbiddenException('This route declares no access policy');
    if (policy.kind === 'platform') return this.platformAdmin.canActivate(context);
    if (policy.kind === 'tenant') return this.tenant(context);
    // public needs nothing; scrape is checked by the route's own ScrapeTokenGuard.
    return true;
  }

  /** Tenant routes: who calls and for which tenant, then that tenant's rate limit. */
  private async tenant(context: ExecutionContext): Promise<boolean> {
    await this.tenantAuth.canActivate(context);
    return this.rateLimit.canActivate(context);
  }
}
