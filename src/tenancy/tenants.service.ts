import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from './scope/actor';
import { AuditService } from '../audit/audit.service';
import type { SetPlanOverridesDto } from '../billing/plans/dto/set-plan-overrides.dto';
import { EntitlementsService } from '../billing/plans/entitlements.service';
import type { PlanTerms } from '../billing/plans/plan-terms';
import type { TenantPlanPeriod } from '../billing/plans/tenant-plan-period.entity';
import { PlansService } from '../billing/plans/plans.service';
import { Page } from '../common/pagination';
import { isUniqueViolation } from '../common/postgres-errors';
import { PlatformDatabase } from '../database/platform.database';
import { TenantContext } from './scope/tenant.context';
import { CredentialInvalidationListener } from './scope/credential-cache/credential-invalidation.listener';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { RESERVED_SLUGS } from './slug';
import { Tenant } from './tenant.entity';
import { TenantProvisioningRegistry } from './tenant-provisioning.registry';
import { TenantsRepository } from './tenants.repository';

/** Tenants for platform operators: provision, list, change (deletion: ./lifecycle). */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly tenantContext: TenantContext,
    private readonly settings: TenantSettingsService,
    private readonly audit: AuditService,
    private readonly provisioning: TenantProvisioningRegistry,
    private readonly platform: PlatformDatabase,
    private readonly plans: PlansService,
    private readonly entitlements: EntitlementsService,
    private readonly invalidation: CredentialInvalidationListener,
  ) {}

  /** Creates the tenant and its tenant-owned defaults in one transaction scoped to it. */
  /**
   * `alsoInside` runs in the same transaction after the defaults, for whatever else a new tenant
   * must have (its owner): all of it exists, or none of it does.
   */
  async create(
    input: CreateTenantDto,
    actor?: Actor,
    alsoInside?: () => Promise<void>,
  ): Promise<Tenant> {
    if (RESERVED_SLUGS.has(input.slug)) {
      throw new BadRequestException({
        message: `slug "${input.slug}" is reserved`,
        errors: [{ field: 'slug', message: `slug "${input.slug}" is reserved by the platform` }],
      });
    }
    const id = randomUUID();
    const plan = await this.plans.currentOf(input.tier ?? 'starter');
    try {
      return await this.tenantContext.runInTenant(
        id,
        async () => {
          const tenant = await this.tenants.insert({
            id,
            name: input.name,
            slug: input.slug,
            tier: plan.code,
            planId: plan.id,
          });
          // Its first plan period starts now, on the current version of its plan.
          await this.plans.startFirstPeriod(plan.id);
          await this.settings.createDefaults();
          // What other modules give every new tenant (the default dashboard, ...).
          await this.provisioning.runAll();
          await this.audit.record({
            action: 'tenant.created',
            resourceType: 'tenant',
            resourceId: id,
            details: {
              name: input.name,
              slug: input.slug,
              tier: tenant.tier,
              plan: { id: plan.id, code: plan.code, version: plan.version },
            },
          });
          await alsoInside?.();
          return tenant;
        },
        actor,
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException({
          message: `slug "${input.slug}" is already taken`,
          errors: [{ field: 'slug', message: `slug "${input.slug}" is already taken` }],
        });
      }
      throw error;
    }
  }

  async list(query: ListTenantsQuery): Promise<Page<Tenant>> {
    return this.tenants.listPage(query);
  }

  async get(id: string): Promise<Tenant> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw new NotFoundException(`Tenant ${id} not found`);
    return tenant;
  }

  async findBySlug(slug: string): Promise<Tenant | null> {
    return this.tenants.findBySlug(slug);
  }

  async findById(id: string): Promise<Tenant | null> {
    return this.tenants.findById(id);
  }

  /**
   * One conditional UPDATE, so a concurrent delete can never be overwritten. A plan change
   * (`plan`, `plan_id`, or `tier`, which names a plan too) moves the tenant to that version
   * effective now: the open plan period ends and the next one starts at the same instant, and
   * `tier` follows the plan's code.
   */
  async update(id: string, change: UpdateTenantDto, actor?: Actor): Promise<Tenant> {
    const current = await this.get(id);
    if (change.tier !== undefined && change.plan !== undefined && change.tier !== change.plan) {
      throw new BadRequestException({
        message: 'tier and plan name different plans',
        errors: [
          { field: 'tier', message: `tier must equal plan (${change.plan}) when both are given` },
        ],
      });
    }
    const plan = await this.plans.resolveChange({
      plan: change.plan ?? change.tier,
      plan_id: change.plan_id,
    });
    const values: Partial<Tenant> = {};
    if (change.name !== undefined) values.name = change.name;
    if (change.status !== undefined) values.status = change.status;
    const moves = plan !== null && plan.id !== current.planId;
    if (moves) {
      values.planId = plan.id;
      values.tier = plan.code;
    }
    // On the platform role's connection (the app role may not UPDATE tenants), in one
    // transaction scoped to the tenant, so the change and its audit entry commit together.
    const updated = await this.platform.runInTenant(
      id,
      async () => {
        if (!(await this.tenants.updateUnlessDeleted(id, values))) {
          throw new ConflictException(`Tenant ${id} is deleted and can no longer be changed`);
        }
        if (moves) await this.plans.switchPeriod(id, plan.id);
        await this.audit.record({
          action: 'tenant.updated',
          resourceType: 'tenant',
          resourceId: id,
          details: {
            ...change,
            ...(moves
              ? {
                  plan_change: {
                    from: current.planId,
                    to: plan.id,
                    code: plan.code,
                    version: plan.version,
                  },
                }
              : {}),
          },
        });
        return this.tenants.getInTransaction(id);
      },
      actor,
    );
    // Committed: every app copy's cached row (status, plan) goes now.
    await this.invalidation.tenantChanged(id);
    return updated;
  }

  /**
   * Replaces the tenant's plan overrides (a contract's limits or price) whole; `{}` clears them.
   * Audited in the tenant's log (which the platform audit view shows), effective at once.
   */
  async setPlanOverrides(
    id: string,
    overrides: SetPlanOverridesDto,
    actor?: Actor,
  ): Promise<Tenant> {
    const current = await this.get(id);
    const next = { ...overrides };
    const updated = await this.platform.runInTenant(
      id,
      async () => {
        if (!(await this.tenants.updateUnlessDeleted(id, { planOverrides: next }))) {
          throw new ConflictException(`Tenant ${id} is deleted and can no longer be changed`);
        }
        await this.audit.record({
          action: 'tenant.plan_overrides_set',
          resourceType: 'tenant',
          resourceId: id,
          details: { from: current.planOverrides, to: next },
        });
        return this.tenants.getInTransaction(id);
      },
      actor,
    );
    this.entitlements.invalidate(id);
    await this.invalidation.tenantChanged(id);
    return updated;
  }

  /** The tenant with its plan: effective terms (plan + overrides) and plan periods. */
  async getWithPlan(
    id: string,
  ): Promise<{ tenant: Tenant; terms: PlanTerms; periods: TenantPlanPeriod[] }> {
    const tenant = await this.get(id);
    const terms = await this.entitlements.termsOf(tenant);
    const periods = await this.platform.runInTenant(id, () => this.plans.listPeriods());
    return { tenant, terms, periods };
  }
}
