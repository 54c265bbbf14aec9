import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantPlanPeriod } from './tenant-plan-period.entity';

/**
 * The current tenant's plan periods (tenant-owned, RLS), in the open tenant transaction: the
 * new tenant's on the app role (provisioning), an /admin change's on the platform role.
 */
@Injectable()
export class TenantPlanPeriodsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get periods() {
    return this.tenantContext.manager.getRepository(TenantPlanPeriod);
  }

  /** Closes the open period (if any) at the transaction's time. */
  async closeOpen(): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE tenant_plan_periods SET effective_until = now()
        WHERE tenant_id = $1 AND effective_until IS NULL`,
      [this.tenantContext.tenantId],
    );
  }

  /** Opens a period on `planId` from the transaction's time. */
  async open(planId: string): Promise<void> {
    await this.tenantContext.manager.query(
      `INSERT INTO tenant_plan_periods (tenant_id, plan_id, effective_from) VALUES ($1, $2, now())`,
      [this.tenantContext.tenantId, planId],
    );
  }

  /** Every period, oldest first. */
  list(): Promise<TenantPlanPeriod[]> {
    return this.periods.find({ order: { effectiveFrom: 'ASC', createdAt: 'ASC' } });
  }
}
