import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BrandingController } from './branding.controller';
import { BrandingService } from './branding.service';
import { TenantBrandingRepository } from './tenant-branding.repository';

/**
 * Tenant branding (minimal for now: colours, logo, embed origins; custom domains and the public
 * theme lookup come with a later issue). Exports BrandingService for the embedded dashboards.
 */
@Module({
  imports: [AuditModule],
  controllers: [BrandingController],
  providers: [BrandingService, TenantBrandingRepository],
  exports: [BrandingService],
})
export class BrandingModule {}
