import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { isUniqueViolation } from '../../common/postgres-errors';
import type { Actor } from '../../tenancy/scope/actor';
import type { TenantTier } from '../../tenancy/tenant.entity';
import type { CreatePlanDto } from './dto/create-plan.dto';
import { EntitlementsService } from './entitlements.service';
import type { Plan } from './plan.entity';
import type { TenantPlanPeriod } from './tenant-plan-period.entity';
import { PlansRepository } from './plans.repository';
import { TenantPlanPeriodsRepository } from './tenant-plan-periods.repository';

/**
 * The plan catalogue and a tenant's place in it: versions (added, never changed), the plan a
 * new tenant starts on, and plan changes as periods (closed and opened at the same instant).
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly periods: TenantPlanPeriodsRepository,
    private readonly entitlements: EntitlementsService,
    private readonly platformAudit: PlatformAuditService,
  ) {}

  /** Every version (all) or the current one of each code, each marked current or not. */
  async list(all: boolean): Promise<{ plan: Plan; current: boolean }[]> {
    const current = await this.plans.listCurrent();
    const currentIds = new Set(current.map((plan) => plan.id));
    const plans = all ? await this.plans.listAll() : current;
    return plans.map((plan) => ({ plan, current: currentIds.has(plan.id) }));
  }

  /** Adds the next version of a code; tenants on older versions stay on them. Audited. */
  async createVersion(input: CreatePlanDto, actor: Actor): Promise<Plan> {
    let plan: Plan;
    try {
      plan = await this.plans.insertNextVersion({
        code: input.code,
        priceCentsPerMonth: input.price_cents_per_month,
        eventsPerMonth: input.events_per_month,
        overQuota: input.over_quota,
        overageCentsPer1000Events: input.overage_cents_per_1000_events,
        apiRequestsPerMinute: input.api_requests_per_minute,
        storageGb: input.storage_gb,
        users: input.users,
        eventSources: input.event_sources,
        dataRetentionDays: input.data_retention_days,
        features: [...input.features],
        analyticsConcurrentQueries: input.analytics_concurrent_queries,
        analyticsQuerySeconds: input.analytics_query_seconds,
        analyticsRowsPerQuery: input.analytics_rows_per_query,
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException(`Another version of ${input.code} was added at the same time`);
      }
      throw error;
    }
    this.entitlements.invalidateCatalogue();
    await this.platformAudit.record(
      {
        action: 'plan.version_created',
        resourceType: 'plan',
        resourceId: plan.id,
        details: { ...input, version: plan.version },
      },
      { ...actor, type: 'platform_admin' },
    );
    return plan;
  }

  /** The current version of a code (what a new tenant or a change by code gets). */
  async currentOf(code: TenantTier): Promise<Plan> {
    const plan = await this.plans.currentOf(code);
    if (!plan) throw new Error(`No plan ${code} in the catalogue`);
    return plan;
  }

  /**
   * The version a plan change names: a code's current version, or an explicit version id
   * (400 naming plan_id when there is no such version, or `field` when code and id disagree).
   */
  async resolveChange(change: { plan?: TenantTier; plan_id?: string }): Promise<Plan | null> {
    if (change.plan_id !== undefined) {
      const plan = await this.plans.findById(change.plan_id);
      if (!plan) {
        throw new BadRequestException({
          message: `plan_id ${change.plan_id} names no plan version`,
          errors: [{ field: 'plan_id', message: 'plan_id names no plan version' }],
        });
      }
      if (change.plan !== undefined && change.plan !== plan.code) {
        throw new BadRequestException({
          message: `plan_id is a version of ${plan.code}, not ${change.plan}`,
          errors: [{ field: 'plan', message: `plan_id is a version of ${plan.code}` }],
        });
      }
      return plan;
    }
    if (change.plan !== undefined) return this.currentOf(change.plan);
    return null;
  }

  /** In the new tenant's transaction: its first period, on the plan it was created with. */
  async startFirstPeriod(planId: string): Promise<void> {
    await this.periods.open(planId);
  }

  /**
   * In the tenant's open transaction (an /admin change, platform role): ends the current period
   * now and opens one on `planId` from the same instant.
   */
  async switchPeriod(tenantId: string, planId: string): Promise<void> {
    await this.periods.closeOpen();
    await this.periods.open(planId);
    this.entitlements.invalidate(tenantId);
  }

  /** In the tenant's open transaction: its plan periods, oldest first. */
  listPeriods(): Promise<TenantPlanPeriod[]> {
    return this.periods.list();
  }
}
