import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { isUuid } from '../../common/uuid';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { AuditRepository } from '../audit.repository';
import type { Actor } from '../../tenancy/scope/actor';
import type { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';

export const CROSS_TENANT_ATTEMPTS = 'tenantry_cross_tenant_attempts_total';
export const CROSS_TENANT_CHECKS_SUPPRESSED = 'tenantry_cross_tenant_checks_suppressed_total';

/**
 * At most this many 404s per calling tenant per minute are looked up and recorded (per app
 * process): enough to show any real probing, too few for a caller to flood another tenant's
 * audit log with entries. The excess is counted and logged, not looked up.
 */
export const CROSS_TENANT_CHECKS_PER_MINUTE = 30;

export interface AttemptContext {
  method: string;
  route: string;
  requestId?: string;
}

/**
 * After a 404 on a resource id, finds out whether another tenant owns that id and, if so, writes
 * a `cross_tenant_attempt` entry into the owning tenant's audit log, counts it, and logs a
 * warning. The lookup and the write happen in the database (record_cross_tenant_attempt), so the
 * app never reads another tenant's rows; the caller still gets the same 404 either way.
 */
@Injectable()
export class CrossTenantAttemptsService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly auditLog: AuditRepository,
    private readonly logger: PinoLogger,
    @InjectMetric(CROSS_TENANT_ATTEMPTS) private readonly attempts: Counter<string>,
    @InjectMetric(CROSS_TENANT_CHECKS_SUPPRESSED) private readonly suppressed: Counter<string>,
  ) {
    this.logger.setContext(CrossTenantAttemptsService.name);
  }

  /** True when the id belonged to another tenant and the attempt was recorded there. */
  async recordIfForeign(
    callerTenantId: string,
    notFound: ResourceNotFoundException,
    actor: Actor,
    context: AttemptContext,
  ): Promise<boolean> {
    if (!isUuid(notFound.resourceId)) return false;
    if (!this.withinBudget(callerTenantId)) {
      this.suppressed.inc();
      this.logger.warn(
        { tenant_id: callerTenantId, resource_type: notFound.resourceType },
        'more 404s on resource ids than the cross-tenant check budget; not looked up',
      );
      return false;
    }
    let recorded: boolean;
    try {
      recorded = await this.lookUpAndRecord(callerTenantId, notFound, actor, context);
    } catch (error) {
      // The caller's answer stays the 404 it earned; the failure is the operator's to see.
      this.logger.error(
        { tenant_id: callerTenantId, err: error },
        'could not check or record a possible cross-tenant attempt',
      );
      return false;
    }
    if (recorded) {
      this.attempts.inc();
      this.logger.warn(
        {
          tenant_id: callerTenantId,
          resource_type: notFound.resourceType,
          resource_id: notFound.resourceId,
          actor_type: actor.type,
          actor_id: actor.id,
        },
        "cross-tenant attempt: a credential of this tenant named another tenant's resource",
      );
    }
    return recorded;
  }

  private readonly budgets = new Map<string, { minute: number; used: number }>();

  private withinBudget(callerTenantId: string): boolean {
    const minute = Math.floor(Date.now() / 60_000);
    if (this.budgets.size > 10_000) {
      for (const [tenantId, old] of this.budgets)
        if (old.minute !== minute) this.budgets.delete(tenantId);
    }
    const budget = this.budgets.get(callerTenantId);
    if (!budget || budget.minute !== minute) {
      this.budgets.set(callerTenantId, { minute, used: 1 });
      return true;
    }
    budget.used += 1;
    return budget.used <= CROSS_TENANT_CHECKS_PER_MINUTE;
  }

  private lookUpAndRecord(
    callerTenantId: string,
    notFound: ResourceNotFoundException,
    actor: Actor,
    context: AttemptContext,
  ): Promise<boolean> {
    return this.tenantContext.runInTenant(callerTenantId, () =>
      this.auditLog.recordCrossTenantAttempt(
        { type: notFound.resourceType, id: notFound.resourceId },
        actor,
        { method: context.method, route: context.route, request_id: context.requestId ?? null },
      ),
    );
  }
}
