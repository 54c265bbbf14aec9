import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { TenantResolver } from '../tenancy/tenant-resolver';
import type { TenantRequest } from '../tenancy/tenant-request';
import { ACCESS_POLICY, type AccessPolicy } from './access-policy';
import { bearerToken } from './bearer-token';
import { permissionsHeldBy } from './caller';
import { CredentialsService } from './credentials.service';

/** /v1 routes: authenticate the caller, then resolve and check the tenant it acts for. */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly resolver: TenantResolver,
    private readonly logger: PinoLogger,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('A bearer token is required');
    const principal = await this.credentials.authenticate(token);
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (policy?.kind !== 'tenant') {
      throw new ForbiddenException('This route declares no tenant permissions');
    }
    // Platform admins acting on a tenant hold every tenant permission; keys hold their scopes.
    const held = permissionsHeldBy(principal);
    const missing = policy.permissions.filter((permission) => !held.includes(permission));
    if (missing.length > 0) {
      throw new ForbiddenException(`Missing permission: ${missing.join(', ')}`);
    }
    const tenant = await this.resolver.resolve(request, principal);
    request.principal = principal;
    request.tenant = tenant;
    this.logger.assign({ tenant_id: tenant.id, principal: principal.kind });
    return true;
  }
}
