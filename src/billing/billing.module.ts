import { Module } from '@nestjs/common';
import { CostAttributionAdminController } from './cost-attribution/cost-attribution.admin.controller';
import { CostAttributionRepository } from './cost-attribution/cost-attribution.repository';
import { CostAttributionService } from './cost-attribution/cost-attribution.service';

/** Plans, quotas and what tenants cost. For now: the operator's cost attribution. */
@Module({
  controllers: [CostAttributionAdminController],
  providers: [CostAttributionService, CostAttributionRepository],
})
export class BillingModule {}
