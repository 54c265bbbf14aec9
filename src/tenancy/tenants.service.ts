import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type Placement, PlacementDirectory } from '../database/placements/placement';
import { FeatureNotInPlanException } from '../billing/plans/plan-refusals';
import type { Plan } from '../billing/plans/plan.entity';
import { PlacementMirrorService } from './placements/placement-mirror.service';
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
  private readonly logger = new Logger(TenantsService.name);

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
    private readonly placements: PlacementDirectory,
    private readonly mirror: PlacementMirrorService,
    private readonly controlDataSource: DataSource,
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
    const placement = await this.placementFor(input.placement, plan);
    const values = { id, name: input.name, slug: input.slug, tier: plan.code, planId: plan.id };
    try {
      if (!placement.isControl)
        return await this.createSiloed(placement, values, input, actor, alsoInside);
      return await this.tenantContext.runInTenant(
        id,
        async () => {
          const tenant = await this.tenants.insert(values);
          await this.provisionInScope(tenant, plan, input, alsoInside);
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

  /**
   * The placement a new tenant asks for (default: the control database's): 400 naming
   * `placement` when there is no active one of that name, 403 when it is siloed and the plan
   * lacks dedicated_database.
   */
  private async placementFor(name: string | undefined, plan: Plan): Promise<Placement> {
    const placement = name === undefined ? undefined : await this.placements.byName(name);
    if (name === undefined) {
      const control = (await this.placements.all()).find((candidate) => candidate.isControl);
      if (control) return control;
    }
    if (!placement || placement.status !== 'active') {
      const message = `placement "${name}" does not exist or takes no new tenants`;
      throw new BadRequestException({ message, errors: [{ field: 'placement', message }] });
    }
    if (placement.kind === 'siloed' && !plan.features.includes('dedicated_database')) {
      throw new FeatureNotInPlanException('dedicated_database', plan.code, ['enterprise']);
    }
    return placement;
  }

  /**
   * A siloed tenant, in ordered steps across two databases (never one transaction):
   * 1. control: its row, marked `provisioning` (slug uniqueness is enforced here; the resolver
   *    serves no provisioning tenant);
   * 2. the placement: the plan and tenant copies, then today's provisioning transaction
   *    (defaults, owner, audit), routed there by TenantContext;
   * 3. control: the mark cleared, and the copy.
   */
  private async createSiloed(
    placement: Placement,
    values: Pick<Tenant, 'id' | 'name' | 'slug' | 'tier' | 'planId'>,
    input: CreateTenantDto,
    actor: Actor | undefined,
    alsoInside: (() => Promise<void>) | undefined,
  ): Promise<Tenant> {
    const id = values.id;
    await this.tenantContext.runInTenantOn(this.controlDataSource, id, () =>
      this.tenants.insert({ ...values, placementId: placement.id, provisioning: true }),
    );
    this.logger.log({
      msg: 'siloed tenant provisioning',
      tenant_id: id,
      placement: placement.name,
    });
    const plan = await this.plans.currentOf(values.tier);
    try {
      await this.mirror.syncPlans(placement);
      await this.mirror.sync(id);
      await this.tenantContext.runInTenant(
        id,
        async () => {
          const tenant = await this.tenants.getInTransaction(id);
          await this.provisionInScope(tenant, plan, input, alsoInside, placement.name);
        },
        actor,
      );
    } catch (error) {
      // Control keeps the row marked provisioning (never served); nothing of it is in the silo
      // but its copy. The slug stays taken until an operator clears it.
      this.logger.error({
        msg: 'siloed tenant provisioning failed',
        tenant_id: id,
        placement: placement.name,
        err: error,
      });
      throw error;
    }
    await this.mirror.markProvisioned(id);
    this.placements.forget(id);
    return (await this.tenants.findById(id))!;
  }

  /** Today's provisioning body, in the new tenant's transaction on its placement. */
  private async provisionInScope(
    tenant: Tenant,
    plan: Plan,
    input: CreateTenantDto,
    alsoInside: (() => Promise<void>) | undefined,
    placementName?: string,
  ): Promise<void> {
    const id = tenant.id;
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
        ...(placementName ? { placement: placementName } : {}),
      },
    });
    await alsoInside?.();
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
    const updated = await this.changeTenant(
      id,
      values,
      async () => {
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
    const updated = await this.changeTenant(
      id,
      { planOverrides: next },
      async () => {
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

  /**
   * The conditional UPDATE of the tenant's control row, then `rest` (its audit entry, a plan
   * period) in the tenant's transaction on the platform role's connection. A pooled tenant: one
   * transaction, as before placements. A siloed one (issue 18): control first, then the copy and
   * `rest` together in its placement database.
   */
  private async changeTenant<T>(
    id: string,
    values: Partial<Tenant>,
    rest: () => Promise<T>,
    actor?: Actor,
  ): Promise<T> {
    const guarded = async () => {
      if (!(await this.tenants.updateUnlessDeleted(id, values))) {
        throw new ConflictException(`Tenant ${id} is deleted and can no longer be changed`);
      }
    };
    const { placement } = await this.placements.of(id);
    if (placement.isControl) {
      return this.platform.runInTenant(
        id,
        async () => {
          await guarded();
          return rest();
        },
        actor,
      );
    }
    await this.tenantContext.runInTenantOn(this.platform.dataSource, id, guarded, actor);
    return this.platform.runInTenant(
      id,
      async () => {
        await this.mirror.syncInTransaction(id);
        return rest();
      },
      actor,
    );
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
