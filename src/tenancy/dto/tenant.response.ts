import { ApiProperty } from '@nestjs/swagger';
import { SetPlanOverridesDto } from '../../billing/plans/dto/set-plan-overrides.dto';
import { PlanTermsResponse } from '../../billing/plans/dto/plan.response';
import type { PlanTerms } from '../../billing/plans/plan-terms';
import type { TenantPlanPeriod } from '../../billing/plans/tenant-plan-period.entity';
import { TENANT_STATUSES, TENANT_TIERS, type Tenant } from '../tenant.entity';

export class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ enum: TENANT_TIERS, description: "The code of the tenant's plan" }) tier: string;
  @ApiProperty({ format: 'uuid', description: 'The plan version the tenant is on' })
  plan_id: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deleted_at: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'End of the grace period of a deleted tenant: restorable before, purged after',
  })
  purge_after: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) purged_at: string | null;

  static from(tenant: Tenant): TenantResponse {
    return {
      id: tenant.id,
      name: tenant.name,
      slug: tenant.slug,
      tier: tenant.tier,
      plan_id: tenant.planId,
      status: tenant.status,
      created_at: tenant.createdAt.toISOString(),
      updated_at: tenant.updatedAt.toISOString(),
      deleted_at: tenant.deletedAt ? tenant.deletedAt.toISOString() : null,
      purge_after: tenant.purgeAfter ? tenant.purgeAfter.toISOString() : null,
      purged_at: tenant.purgedAt ? tenant.purgedAt.toISOString() : null,
    };
  }
}

class PlanPeriodResponse {
  @ApiProperty({ format: 'uuid' }) plan_id: string;
  @ApiProperty({ format: 'date-time' }) effective_from: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'null: open' })
  effective_until: string | null;
}

/** GET /admin/tenants/{id} (and the answer to a change): the tenant with its plan. */
export class TenantDetailResponse extends TenantResponse {
  @ApiProperty({ type: SetPlanOverridesDto, description: "The contract's changes to the plan" })
  plan_overrides: SetPlanOverridesDto;
  @ApiProperty({
    type: PlanTermsResponse,
    description: 'What applies: the plan version with the overrides',
  })
  terms: PlanTermsResponse;
  @ApiProperty({ type: [PlanPeriodResponse], description: 'Plan periods, oldest first' })
  plan_periods: PlanPeriodResponse[];

  static withPlan(
    tenant: Tenant,
    terms: PlanTerms,
    periods: TenantPlanPeriod[],
  ): TenantDetailResponse {
    return {
      ...TenantResponse.from(tenant),
      plan_overrides: { ...tenant.planOverrides } as SetPlanOverridesDto,
      terms: PlanTermsResponse.fromTerms(terms),
      plan_periods: periods.map((period) => ({
        plan_id: period.planId,
        effective_from: period.effectiveFrom.toISOString(),
        effective_until: period.effectiveUntil ? period.effectiveUntil.toISOString() : null,
      })),
    };
  }
}

class TenantOwnerResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
}

/** The answer to provisioning: the tenant, its owner, and the owner's one-time password-set token. */
export class TenantCreatedResponse extends TenantResponse {
  @ApiProperty({ type: TenantOwnerResponse }) owner: TenantOwnerResponse;
  @ApiProperty({ description: 'Shown once; POST /auth/password with it sets the owner password' })
  password_set_token: string;
  @ApiProperty({ format: 'date-time' }) password_set_expires_at: string;
}

export class TenantPageResponse {
  @ApiProperty({ type: [TenantResponse] }) data: TenantResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
