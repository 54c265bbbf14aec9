import { Global, Module } from '@nestjs/common';
import { TenantSettingsController } from './settings/tenant-settings.controller';
import { TenantSettingsService } from './settings/tenant-settings.service';
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
    TenantStatisticsService,
    TenantResolver,
    TenantProvisioning,
  ],
  exports: [TenantsService, TenantSettingsService, TenantResolver, TenantProvisioning],
})
export class TenancyModule {}
