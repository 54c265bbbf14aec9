import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import { TenantContext } from './tenant-context';
import type { TenantRequest } from '../tenancy/tenant-request';

/**
 * Runs a tenant-scoped handler inside its tenant's transaction: commit when the handler
 * succeeds, roll back when it throws. The tenant was resolved by the auth guard before this.
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(private readonly tenantContext: TenantContext) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const tenant = request.tenant;
    if (!tenant) throw new Error('TenantTransactionInterceptor ran before tenant resolution');
    return from(
      this.tenantContext.runInTenant(tenant.id, () =>
        lastValueFrom(next.handle(), { defaultValue: undefined }),
      ),
    );
  }
}
