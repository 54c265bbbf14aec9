import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../database/platform.database';

/** An export still queued, of any tenant. */
export interface QueuedExport {
  tenantId: string;
  exportId: string;
}

/**
 * Every tenant's queued exports (the oldest first), read by the platform role through
 * platform_queued_exports() (migration 1763900000260): ids only.
 */
@Injectable()
export class QueuedExportsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async list(limit: number): Promise<QueuedExport[]> {
    const rows = await this.platform.query<{ tenant_id: string; id: string }[]>(
      'SELECT tenant_id, id FROM public.platform_queued_exports($1)',
      [limit],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, exportId: row.id }));
  }
}
