import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { TenantRequest } from './tenant-request';

/** `@CurrentTenant()`: the tenant a tenant route acts for, resolved and checked by TenantAuthGuard. */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const tenant = context.switchToHttp().getRequest<TenantRequest>().tenant;
  if (!tenant) throw new Error('@CurrentTenant() used on a route that resolves no tenant');
  return tenant;
});
