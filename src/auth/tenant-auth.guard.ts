import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { TenantResolver } from '../tenancy/tenant-resolver';
import type { TenantRequest } from '../tenancy/tenant-request';
import { bearerToken } from './bearer-token';
import { CredentialsService } from './credentials.service';

/** /v1 routes: authenticate the caller, then resolve and check the tenant it acts for. */
@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly resolver: TenantResolver,
    private readonly logger: PinoLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('A bearer token is required');
    const principal = await this.credentials.authenticate(token);
    const tenant = await this.resolver.resolve(request, principal);
    request.principal = principal;
    request.tenant = tenant;
    this.logger.assign({ tenant_id: tenant.id, principal: principal.kind });
    return true;
  }
}
