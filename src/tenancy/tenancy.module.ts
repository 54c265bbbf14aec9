import { Global, Module } from '@nestjs/common';
import { TenantSettingsController } from './settings/tenant-settings.controller';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { TimezoneRules } from './settings/timezones';
import { TenantProvisioning } from './tenant-provisioning';
import { TenantResolver } from './tenant-resolver';
import { TenantStatisticsService } from './tenant-statistics.service';
import { TenantsAdminController } from './tenants.admin.controller';
import { TenantsService } from './tenants.service';

/** Tenants, their settings, and tenant resolution (global: every tenant route's guard needs it). */
@Global()
@Module({
  controllers: [TenantsAdminController, TenantSettingsController],
  providers: [
    TenantsService,
    TenantSettingsService,
    TimezoneRules,
    TenantStatisticsService,
    TenantResolver,
    TenantProvisioning,
  ],
  exports: [
    TenantsService,
    TenantSettingsService,
    TimezoneRules,
    TenantResolver,
    TenantProvisioning,
  ],
})
export class TenancyModule {}
