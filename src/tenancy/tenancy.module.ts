import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AuditModule } from '../audit/audit.module';
import { PlansModule } from '../billing/plans/plans.module';
import { CustomDomainRoutesRepository } from './hosts/custom-domain-routes.repository';
import { CUSTOM_DOMAIN_REFUSALS, TenantHostsService } from './hosts/tenant-hosts.service';
import { TlsAskController } from './hosts/tls-ask.controller';
import { TenantSettingsController } from './settings/tenant-settings.controller';
import { TenantSettingsRepository } from './settings/tenant-settings.repository';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { TimezoneNamesRepository } from './settings/timezone-names.repository';
import { TimezoneRulesService } from './settings/timezone-rules.service';
import { TenantProvisioningRegistry } from './tenant-provisioning.registry';
import { TenantPurgeRegistry } from './tenant-purge.registry';
import { TenantRowCountsRepository } from './tenant-row-counts.repository';
import { TenantStatisticsService } from './tenant-statistics.service';
import { TenantsAdminController } from './tenants.admin.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';
import { PlacementSizesRepository } from './placements/placement-sizes.repository';
import { PlacementsAdminController } from './placements/placements.admin.controller';
import { PlacementsService } from './placements/placements.service';

/**
 * Tenants and their settings. Knows nothing of users: a new tenant's owner is made by
 * TenantOnboardingModule (./onboarding), which sits above this module and auth.
 */
@Module({
  imports: [AuditModule, PlansModule],
  controllers: [
    TenantsAdminController,
    TenantSettingsController,
    TlsAskController,
    PlacementsAdminController,
  ],
  providers: [
    TenantsService,
    TenantSettingsService,
    TimezoneRulesService,
    TenantStatisticsService,
    TenantProvisioningRegistry,
    TenantPurgeRegistry,
    TenantsRepository,
    TenantSettingsRepository,
    TimezoneNamesRepository,
    TenantRowCountsRepository,
    CustomDomainRoutesRepository,
    TenantHostsService,
    // Placements (issue 18): GET /admin/placements (the mirror is DatabaseModule's).
    PlacementSizesRepository,
    PlacementsService,
    makeCounterProvider({
      name: CUSTOM_DOMAIN_REFUSALS,
      help: "Credentials of another tenant refused on a tenant's custom domain, by surface",
      labelNames: ['surface'],
    }),
  ],
  exports: [
    TenantHostsService,
    TenantsService,
    TenantStatisticsService,
    TenantSettingsService,
    TimezoneRulesService,
    TenantProvisioningRegistry,
    TenantPurgeRegistry,
  ],
})
export class TenancyModule {}
