import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { TenantRequest } from './tenant-request';
import { bearerToken } from './bearer-token';
import { CredentialsService } from '../../auth/credentials.service';

/**
 * Step 2 for /admin routes (`@AdminOnly`): only platform credentials. A valid tenant credential
 * is a 403, not a 401.
 */
@Injectable()
export class PlatformAdminGuard implements CanActivate {
  constructor(private readonly credentials: CredentialsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedException('A platform admin bearer token is required');
    const principal = await this.credentials.authenticate(token);
    if (principal.kind !== 'platform_admin') {
      throw new ForbiddenException('Tenant credentials cannot access platform admin routes');
    }
    request.caller = principal;
    return true;
  }
}
