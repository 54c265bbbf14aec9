import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { accessPolicyOf } from './access-policy';
import { PlatformAdminGuard } from './platform-admin.guard';
import { TenantAuthGuard } from './tenant-auth.guard';

/**
 * Step 1, the one global guard: every route declares who may call it (@Public, @AdminOnly,
 * @RequirePermissions, or the scrape token of GET /metrics), and a route that declares nothing is
 * refused. The declaration picks the check that follows: the platform admin guard for /admin
 * routes, the tenant guard for tenant routes.
 */
@Injectable()
export class DeclaredAccessGuard implements CanActivate {
  constructor(
    private readonly platformAdmin: PlatformAdminGuard,
    private readonly tenantAuth: TenantAuthGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = accessPolicyOf(context);
    if (!policy) throw new ForbiddenException('This route declares no access policy');
    if (policy.kind === 'platform') return this.platformAdmin.canActivate(context);
    if (policy.kind === 'tenant') return this.tenantAuth.canActivate(context);
    // public needs nothing; scrape is checked by the route's own ScrapeTokenGuard.
    return true;
  }
}
