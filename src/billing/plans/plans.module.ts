import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../../audit/audit.module';
import { EntitlementsService, PLAN_REFUSALS } from './entitlements.service';
import { PlansAdminController } from './plans.admin.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
import { TenantPlanPeriodsRepository } from './tenant-plan-periods.repository';

/**
 * Plans and entitlements: the versioned catalogue, each tenant's plan periods, and the terms
 * (plan + overrides) every billing check reads. Imports nothing that imports it: tenancy, auth
 * and the tenant pipeline depend on it, it only on audit and the database.
 */
@Module({
  imports: [AuditModule],
  controllers: [PlansAdminController],
  providers: [
    EntitlementsService,
    PlansService,
    PlansRepository,
    TenantPlanPeriodsRepository,
    makeCounterProvider({
      name: PLAN_REFUSALS,
      help: 'Requests refused by the plan: a feature it lacks, or a count limit reached, by tier',
      labelNames: ['kind', 'name', 'tier'],
    }),
  ],
  exports: [EntitlementsService, PlansService, PlansRepository],
})
export class PlansModule {}
