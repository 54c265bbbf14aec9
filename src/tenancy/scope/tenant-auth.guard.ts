import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Feature } from '../../billing/plans/plan-terms';
import { permissionsHeldBy } from '../../auth/caller-permissions';
import { CredentialsService } from '../../auth/credentials.service';
import type { Permission } from '../../auth/permissions';
import { accessPolicyOf } from './access-policy';
import { bearerToken } from './bearer-token';
import { bodyUsesFeature, featureFieldsOf, requiredFeatureOf } from './require-feature.decorator';
import { TenantResolver } from './tenant.resolver';
import type { TenantRequest } from './tenant-request';

/**
 * Step 2 for tenant routes (`@RequirePermissions`): authenticate the caller, check it holds the
 * route's permissions, then resolve and check the tenant it acts for. Leaves both on the request
 * for `@Caller()` and `@CurrentTenant()`, and the tenant id on every log line. A route marked
 * `@RequireFeature` is then refused (403 naming the feature) when the tenant's plan lacks it.
 */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly resolver: TenantResolver,
    private readonly logger: PinoLogger,
    private readonly entitlements: EntitlementsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = accessPolicyOf(context);
    if (policy?.kind !== 'tenant') {
      throw new ForbiddenException('This route declares no tenant permissions');
    }
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const fields = featureFieldsOf(context);
    // A feature that governs some body fields only applies when the body uses them.
    const feature =
      fields && !bodyUsesFeature(request.body, fields) ? undefined : requiredFeatureOf(context);
    await this.authenticate(request, policy.permissions, feature);
    return true;
  }

  /** The guard's whole check, for a caller that has no route metadata (the benchmark baseline). */
  async authenticate(
    request: TenantRequest,
    permissions: readonly Permission[],
    feature?: Feature,
  ): Promise<void> {
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('A bearer token is required');
    const caller = await this.credentials.authenticate(token);
    // Platform admins acting on a tenant hold every tenant permission; keys hold their scopes.
    const held = permissionsHeldBy(caller);
    const missing = permissions.filter((permission) => !held.includes(permission));
    if (missing.length > 0) {
      throw new ForbiddenException(`Missing permission: ${missing.join(', ')}`);
    }
    const tenant = await this.resolver.resolve(request, caller);
    request.caller = caller;
    request.tenant = tenant;
    this.logger.assign({ tenant_id: tenant.id, principal: caller.kind });
    // The plan's features, before any work: a route its plan lacks is a 403 naming the feature.
    if (feature) await this.entitlements.assertFeature(tenant, feature);
  }
}
