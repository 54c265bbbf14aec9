import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { BrandingModule } from '../branding/branding.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { CostAttributionAdminController } from './cost-attribution/cost-attribution.admin.controller';
import { CostAttributionRepository } from './cost-attribution/cost-attribution.repository';
import { CostAttributionService } from './cost-attribution/cost-attribution.service';
import { InvoicesAdminController } from './invoices/invoices.admin.controller';
import { InvoicesController } from './invoices/invoices.controller';
import { InvoicesRepository } from './invoices/invoices.repository';
import { InvoicesService } from './invoices/invoices.service';
import { PlatformInvoicesRepository } from './invoices/platform-invoices.repository';
import { PlansModule } from './plans/plans.module';
import { QuotaModule } from './quota/quota.module';
import { UsageMeteringModule } from './usage/usage-metering.module';
import { UsageController } from './usage/usage.controller';
import { UsageService } from './usage/usage.service';

/**
 * Plans, quotas and what tenants cost: plans and entitlements (./plans), the event quota
 * (./quota), usage (./usage), invoices (./invoices; their finaliser job is InvoicesModule),
 * cost attribution.
 */
@Module({
  imports: [
    AuditModule,
    AuthModule,
    BrandingModule,
    PlansModule,
    QuotaModule,
    TenancyModule,
    UsageMeteringModule,
  ],
  controllers: [
    CostAttributionAdminController,
    UsageController,
    InvoicesController,
    InvoicesAdminController,
  ],
  providers: [
    CostAttributionService,
    CostAttributionRepository,
    UsageService,
    InvoicesService,
    InvoicesRepository,
    PlatformInvoicesRepository,
  ],
  exports: [PlansModule, InvoicesService],
})
export class BillingModule {}
