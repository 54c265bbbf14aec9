import { Injectable } from '@nestjs/common';
import { TenantContext } from '../scope/tenant.context';
import { TenantSettings } from './tenant-settings.entity';

/** The tenant_settings table, always in the tenant transaction: RLS sees the current tenant only. */
@Injectable()
export class TenantSettingsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get settings() {
    return this.tenantContext.manager.getRepository(TenantSettings);
  }

  /** The defaults are the columns' (UTC, en, USD, YYYY-MM-DD). */
  insertDefaults(tenantId: string): Promise<TenantSettings> {
    return this.settings.save(this.settings.create({ tenantId }));
  }

  findByTenant(tenantId: string): Promise<TenantSettings | null> {
    return this.settings.findOneBy({ tenantId });
  }

  save(settings: TenantSettings): Promise<TenantSettings> {
    return this.settings.save(settings);
  }
}
