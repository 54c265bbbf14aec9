import { Injectable } from '@nestjs/common';
import { ascending } from '../../database/placements/merged-order';
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
 * 24 hours began, none since. Read in every placement database; an unreachable one is logged
 * and left out (the gauge and the list go on with every other tenant).
 */
@Injectable()
export class SilentTenantsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async silentAt(now: Date, limit: number): Promise<SilentTenant[]> {
    const rows = await this.platform.queryEveryPlacement<{
      tenant_id: string;
      slug: string;
      name: string;
      last_event_at: Date;
    }>('SELECT * FROM platform_silent_tenants($1, $2)', [now.toISOString(), limit], {
      reader: 'platform_silent_tenants',
      unreachable: 'skip',
    });
    return rows
      .sort(
        (a, b) =>
          ascending(new Date(a.last_event_at), new Date(b.last_event_at)) ||
          ascending(a.tenant_id, b.tenant_id),
      )
      .slice(0, limit)
      .map((row) => ({ ...row, last_event_at: new Date(row.last_event_at).toISOString() }));
  }
}
