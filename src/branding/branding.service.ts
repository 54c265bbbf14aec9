import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { UpdateBrandingDto } from './dto/update-branding.dto';
import { type Branding, DEFAULT_BRANDING } from './tenant-branding.entity';
import { TenantBrandingRepository } from './tenant-branding.repository';

/**
 * The current tenant's theme, always through the tenant transaction (RLS). Other modules (the
 * embedded dashboards) read it through `current()`, never through the table.
 */
@Injectable()
export class BrandingService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly repository: TenantBrandingRepository,
    private readonly audit: AuditService,
  ) {}

  /** The saved theme, or the defaults when the tenant has saved none. */
  async current(): Promise<Branding> {
    const row = await this.repository.findByTenant(this.tenantContext.tenantId);
    if (!row) return { ...DEFAULT_BRANDING, embedOrigins: [] };
    return {
      primaryColor: row.primaryColor,
      accentColor: row.accentColor,
      backgroundColor: row.backgroundColor,
      textColor: row.textColor,
      logoUrl: row.logoUrl,
      embedOrigins: row.embedOrigins,
      updatedAt: row.updatedAt,
    };
  }

  /** Replaces the whole theme (one upsert) and audits the change. */
  async replace(input: UpdateBrandingDto): Promise<Branding> {
    const tenantId = this.tenantContext.tenantId;
    await this.repository.replace(tenantId, input);
    await this.audit.record({
      action: 'branding.updated',
      resourceType: 'branding',
      resourceId: tenantId,
      details: { ...input },
    });
    return this.current();
  }
}
