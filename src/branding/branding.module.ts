import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BrandingController } from './branding.controller';
import { BrandingService } from './branding.service';
import { CustomDomainsModule } from './domains/custom-domains.module';
import { TenantBrandingRepository } from './tenant-branding.repository';

/**
 * Tenant branding: colours, logo, embed origins, and custom domains (./domains; the public theme
 * lookup comes with a later issue). Exports BrandingService for the embedded dashboards.
 */
@Module({
  imports: [AuditModule, CustomDomainsModule],
  controllers: [BrandingController],
  providers: [BrandingService, TenantBrandingRepository],
  exports: [BrandingService],
})
export class BrandingModule {}
