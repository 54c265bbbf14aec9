import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UnauthorizedException,
} from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import { actorOf } from '../audit/audit-actor';
import { CrossTenantAttemptsService } from '../audit/cross-tenant/cross-tenant-attempts.service';
import { ResourceNotFoundException } from '../audit/cross-tenant/resource-not-found.exception';
import { isUuid } from '../common/uuid';
import { TenantContext } from '../database/tenant-context';
import type { TenantRequest } from '../tenancy/tenant-request';
import { User } from './users/user.entity';

/**
 * Runs a tenant-scoped handler inside its tenant's transaction: commit when the handler
 * succeeds, roll back when it throws. The tenant was resolved by the auth guard before this.
 * First, in the same transaction, a user credential must still name an active user, so a
 * disabled or deleted user's unexpired token stops working at once.
 * A 404 for a resource id is checked afterwards, in a transaction of its own (the request's was
 * rolled back): if another tenant owns the id, that tenant's audit log records the attempt.
 */
@Injectable()
export class TenantTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly crossTenantAttempts: CrossTenantAttemptsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const { tenant, principal } = request;
    if (!tenant || !principal)
      throw new Error('TenantTransactionInterceptor ran before tenant resolution');
    const actor = actorOf(request, principal);
    const work = this.tenantContext.runInTenant(
      tenant.id,
      async (): Promise<unknown> => {
        if (principal.kind === 'tenant') await this.assertActiveUser(principal.subject);
        return lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined });
      },
      actor,
    );
    return from(
      work.catch(async (error: unknown) => {
        if (error instanceof ResourceNotFoundException) {
          await this.crossTenantAttempts.recordIfForeign(tenant.id, error, actor, {
            method: request.method,
            route: routeTemplate(request),
            requestId: typeof request.id === 'string' ? request.id : undefined,
          });
        }
        throw error;
      }),
    );
  }

  private async assertActiveUser(userId: string): Promise<void> {
    const user = isUuid(userId)
      ? await this.tenantContext.manager
          .getRepository(User)
          .findOne({ select: { status: true }, where: { id: userId } })
      : null;
    if (user?.status !== 'active') {
      throw new UnauthorizedException('This user is disabled or no longer exists');
    }
  }
}

function routeTemplate(request: TenantRequest): string {
  const template = (request.route as { path?: string } | undefined)?.path;
  return template ? `${request.baseUrl}${template}` : request.path;
}
