import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CostAttributionAdminController } from './cost-attribution/cost-attribution.admin.controller';
import { CostAttributionRepository } from './cost-attribution/cost-attribution.repository';
import { CostAttributionService } from './cost-attribution/cost-attribution.service';
import { PlansModule } from './plans/plans.module';
import { QuotaModule } from './quota/quota.module';
import { UsageMeteringModule } from './usage/usage-metering.module';
import { UsageController } from './usage/usage.controller';
import { UsageService } from './usage/usage.service';

/**
 * Plans, quotas and what tenants cost: plans and entitlements (./plans), the event quota
 * (./quota), usage (./usage), cost attribution.
 */
@Module({
  imports: [AuthModule, PlansModule, QuotaModule, UsageMeteringModule],
  controllers: [CostAttributionAdminController, UsageController],
  providers: [CostAttributionService, CostAttributionRepository, UsageService],
  exports: [PlansModule],
})
export class BillingModule {}
