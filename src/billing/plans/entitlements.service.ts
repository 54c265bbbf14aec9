import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import type { Tenant } from '../../tenancy/tenant.entity';
import { type Plan, termsOfPlan } from './plan.entity';
import { applyOverrides, type Feature, type PlanTerms } from './plan-terms';
import {
  FeatureNotInPlanException,
  type LimitedResource,
  PlanLimitReachedException,
} from './plan-refusals';
import { PlansRepository } from './plans.repository';

/** What termsOf reads of a tenant: its id, its plan version and its contract's overrides. */
export type TermsSubject = Pick<Tenant, 'id' | 'planId' | 'planOverrides'>;

/**
 * Refusals by the plan: labels kind (feature, limit), name (the feature or the resource) and
 * tier (the tenant's: a closed set, like the other refusal metrics'; never the tenant).
 */
export const PLAN_REFUSALS = 'tenantry_plan_refusals_total';

/** How long a tenant's terms and the current catalogue are reused before being read again. */
const TERMS_TTL_MS = 5_000;
/** Plan versions are immutable, so they are cached by id; the catalogue is small. */
const MAX_CACHED_PLANS = 1_000;
const MAX_CACHED_TENANTS = 10_000;

interface CachedTerms {
  planId: string;
  overrides: string;
  terms: PlanTerms;
  expiresAt: number;
}

/**
 * What a tenant may use and pays: its signed plan version with its contract's overrides
 * (termsOf), the one place every billing check reads. The tenant row carries both the version
 * and the overrides, so the only read is the plan version, cached by id (versions never
 * change); a tenant's terms are memoised for a few seconds and dropped at once when this
 * instance changes them (invalidate).
 */
@Injectable()
export class EntitlementsService {
  private readonly plans = new Map<string, Plan>();
  private readonly terms = new Map<string, CachedTerms>();
  private catalogue: { plans: Plan[]; expiresAt: number } | null = null;

  constructor(
    private readonly repository: PlansRepository,
    @InjectMetric(PLAN_REFUSALS) private readonly refusals: Counter<string>,
    private readonly logger: PinoLogger,
  ) {}

  async termsOf(tenant: TermsSubject): Promise<PlanTerms> {
    const overrides = JSON.stringify(tenant.planOverrides ?? {});
    const cached = this.terms.get(tenant.id);
    if (
      cached &&
      cached.expiresAt > Date.now() &&
      cached.planId === tenant.planId &&
      cached.overrides === overrides
    ) {
      return cached.terms;
    }
    const plan = await this.plan(tenant.planId);
    const terms = applyOverrides(termsOfPlan(plan), tenant.planOverrides ?? {});
    if (this.terms.size >= MAX_CACHED_TENANTS) this.terms.clear();
    this.terms.set(tenant.id, {
      planId: tenant.planId,
      overrides,
      terms,
      expiresAt: Date.now() + TERMS_TTL_MS,
    });
    return terms;
  }

  /** Forgets a tenant's memoised terms (its plan or overrides changed). */
  invalidate(tenantId: string): void {
    this.terms.delete(tenantId);
  }

  /** Forgets the current catalogue (a new version was added). */
  invalidateCatalogue(): void {
    this.catalogue = null;
  }

  /** The codes of the current plans that include `feature`, cheapest first. */
  async plansIncluding(feature: Feature): Promise<string[]> {
    if (!this.catalogue || this.catalogue.expiresAt <= Date.now()) {
      this.catalogue = {
        plans: await this.repository.listCurrent(),
        expiresAt: Date.now() + TERMS_TTL_MS,
      };
    }
    return this.catalogue.plans
      .filter((plan) => plan.features.includes(feature))
      .sort((a, b) => a.priceCentsPerMonth - b.priceCentsPerMonth)
      .map((plan) => plan.code);
  }

  /** Throws the 403 naming the feature unless the tenant's terms include it. */
  async assertFeature(tenant: Tenant, feature: Feature): Promise<void> {
    const terms = await this.termsOf(tenant);
    if (terms.features.includes(feature)) return;
    this.refusals.inc({ kind: 'feature', name: feature, tier: tenant.tier });
    this.logger.info({ tenant_id: tenant.id, plan: terms.plan, feature }, 'plan lacks a feature');
    throw new FeatureNotInPlanException(feature, terms.plan, await this.plansIncluding(feature));
  }

  /**
   * Throws the 403 with the limit and the current count when adding one more `resource` would
   * pass the tenant's limit (null = unlimited). `count` is asked only when there is a limit.
   */
  async assertBelowLimit(
    tenant: Tenant,
    resource: LimitedResource,
    count: () => Promise<number>,
  ): Promise<void> {
    const terms = await this.termsOf(tenant);
    const limit = resource === 'users' ? terms.users : terms.eventSources;
    if (limit === null) return;
    const current = await count();
    if (current < limit) return;
    this.refusals.inc({ kind: 'limit', name: resource, tier: tenant.tier });
    this.logger.info(
      { tenant_id: tenant.id, plan: terms.plan, resource, limit, current },
      'plan limit reached',
    );
    throw new PlanLimitReachedException(resource, limit, current, terms.plan);
  }

  private async plan(id: string): Promise<Plan> {
    const known = this.plans.get(id);
    if (known) return known;
    const plan = await this.repository.findById(id);
    if (!plan) throw new Error(`Plan ${id} does not exist`);
    if (this.plans.size >= MAX_CACHED_PLANS) this.plans.clear();
    this.plans.set(id, plan);
    return plan;
  }
}
