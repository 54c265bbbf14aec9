import { Injectable } from '@nestjs/common';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { UpdateBrandingDto } from './dto/update-branding.dto';
import { TenantBranding } from './tenant-branding.entity';

/** The tenant_branding table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class TenantBrandingRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  findByTenant(tenantId: string): Promise<TenantBranding | null> {
    return this.tenantContext.manager.getRepository(TenantBranding).findOneBy({ tenantId });
  }

  /** The whole theme in one upsert: the tenant's row is absent until its first save. */
  async replace(tenantId: string, input: UpdateBrandingDto): Promise<void> {
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
  }
}
