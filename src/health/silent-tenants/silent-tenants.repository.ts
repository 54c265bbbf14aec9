import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../database/platform.database';

export interface SilentTenant {
  tenant_id: string;
  slug: string;
  name: string;
  last_event_at: string;
}

/**
 * Tenants gone silent, read through platform_silent_tenants(), a SECURITY DEFINER function only
 * the platform role may call: active, events accepted on each of the 7 UTC days before the last
 * 24 hours began, none since.
 */
@Injectable()
export class SilentTenantsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async silentAt(now: Date, limit: number): Promise<SilentTenant[]> {
    const rows = await this.platform.query<
      { tenant_id: string; slug: string; name: string; last_event_at: Date }[]
    >('SELECT * FROM platform_silent_tenants($1, $2)', [now.toISOString(), limit]);
    return rows.map((row) => ({
      ...row,
      last_event_at: new Date(row.last_event_at).toISOString(),
    }));
  }
}
