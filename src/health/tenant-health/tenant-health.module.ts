import { Module } from '@nestjs/common';
import { QueryLatencyRepository } from '../../analytics/cost/query-latency.repository';
import { PlansModule } from '../../billing/plans/plans.module';
import { QuotaModule } from '../../billing/quota/quota.module';
import { UsageMeteringModule } from '../../billing/usage/usage-metering.module';
import { IngestionModule } from '../../ingestion/ingestion.module';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { PartitionIntakeService } from './partition-intake.service';
import { PartitionLagService } from './partition-lag.service';
import { TenantHealthController } from './tenant-health.controller';
import { TenantHealthService } from './tenant-health.service';
import { TenantIntakeRepository } from './tenant-intake.repository';

/** GET /admin/tenants/:id/health: one tenant's operating figures for the platform operator. */
@Module({
  imports: [TenancyModule, PlansModule, QuotaModule, UsageMeteringModule, IngestionModule],
  controllers: [TenantHealthController],
  providers: [
    TenantHealthService,
    PartitionLagService,
    PartitionIntakeService,
    TenantIntakeRepository,
    QueryLatencyRepository,
  ],
})
export class TenantHealthModule {}
