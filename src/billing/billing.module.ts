import { Module } from '@nestjs/common';
import { CostAttributionAdminController } from './cost-attribution/cost-attribution.admin.controller';
import { CostAttributionRepository } from './cost-attribution/cost-attribution.repository';
import { CostAttributionService } from './cost-attribution/cost-attribution.service';
import { PlansModule } from './plans/plans.module';

/** Plans, quotas and what tenants cost: plans and entitlements (./plans), cost attribution. */
@Module({
  imports: [PlansModule],
  controllers: [CostAttributionAdminController],
  providers: [CostAttributionService, CostAttributionRepository],
  exports: [PlansModule],
})
export class BillingModule {}
