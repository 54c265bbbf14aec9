import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { UpdateBrandingDto } from './dto/update-branding.dto';
import { type Branding, DEFAULT_BRANDING, TenantBranding } from './tenant-branding.entity';

/**
 * The current tenant's theme, always through the tenant transaction (RLS). Other modules (the
 * embedded dashboards) read it through `current()`, never through the table.
 */
@Injectable()
export class BrandingService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly audit: AuditService,
  ) {}

  private get repository() {
    return this.tenantContext.manager.getRepository(TenantBranding);
  }

  /** The saved theme, or the defaults when the tenant has saved none. */
  async current(): Promise<Branding> {
    const row = await this.repository.findOneBy({ tenantId: this.tenantContext.tenantId });
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
    await this.tenantContext.manager.query(
      `INSERT INTO tenant_branding (tenant_id, primary_color, accent_color, background_color,
                                    text_color, logo_url, embed_origins)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET
         primary_color = EXCLUDED.primary_color, accent_color = EXCLUDED.accent_color,
         background_color = EXCLUDED.background_color, text_color = EXCLUDED.text_color,
         logo_url = EXCLUDED.logo_url, embed_origins = EXCLUDED.embed_origins,
         updated_at = now()`,
      [
        tenantId,
        input.primary_color,
        input.accent_color,
        input.background_color,
        input.text_color,
        input.logo_url ?? null,
        input.embed_origins,
      ],
    );
    await this.audit.record({
      action: 'branding.updated',
      resourceType: 'branding',
      resourceId: tenantId,
      details: { ...input },
    });
    return this.current();
  }
}
