import { Injectable } from '@nestjs/common';
import { ascending } from '../database/placements/merged-order';
import { PlatformDatabase } from '../database/platform.database';

/** An export still queued, of any tenant. */
export interface QueuedExport {
  tenantId: string;
  exportId: string;
}

/**
 * Every tenant's queued exports (the oldest first), read by the platform role through
 * platform_queued_exports() (migration 1763900000260) in every placement database: ids only.
 */
@Injectable()
export class QueuedExportsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async list(limit: number): Promise<QueuedExport[]> {
    const rows = await this.platform.queryEveryPlacement<{
      tenant_id: string;
      id: string;
      created_at: Date;
    }>('SELECT tenant_id, id, created_at FROM public.platform_queued_exports($1)', [limit], {
      reader: 'platform_queued_exports',
      unreachable: 'skip',
    });
    return rows
      .sort((a, b) => ascending(a.created_at, b.created_at) || ascending(a.id, b.id))
      .slice(0, limit)
      .map((row) => ({ tenantId: row.tenant_id, exportId: row.id }));
  }
}
