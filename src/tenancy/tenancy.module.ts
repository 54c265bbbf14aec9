import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantSettingsController } from './settings/tenant-settings.controller';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { TimezoneRulesService } from './settings/timezone-rules.service';
import { TenantProvisioningRegistry } from './tenant-provisioning.registry';
import { TenantStatisticsService } from './tenant-statistics.service';
import { TenantsAdminController } from './tenants.admin.controller';
import { TenantsService } from './tenants.service';

/**
 * Tenants and their settings. Knows nothing of users: a new tenant's owner is made by
 * TenantOnboardingModule (./onboarding), which sits above this module and auth.
 */
@Module({
  imports: [AuditModule],
  controllers: [TenantsAdminController, TenantSettingsController],
  providers: [
    TenantsService,
    TenantSettingsService,
    TimezoneRulesService,
    TenantStatisticsService,
    TenantProvisioningRegistry,
  ],
  exports: [
    TenantsService,
    TenantSettingsService,
    TimezoneRulesService,
    TenantProvisioningRegistry,
  ],
})
export class TenancyModule {}
