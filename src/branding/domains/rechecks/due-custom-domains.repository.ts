import { Injectable } from '@nestjs/common';
import { ascending } from '../../../database/placements/merged-order';
import { PlatformDatabase } from '../../../database/platform.database';

/**
 * Every tenant's verified custom domains due for a re-check, read by the platform role through
 * platform_custom_domains_due() (migrations 1763900000111, 281) in every placement database:
 * ids, and the last check the lists are merged by (never checked first, then oldest).
 */
@Injectable()
export class DueCustomDomainsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async list(checkedBefore: Date, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const rows = await this.platform.queryEveryPlacement<{
      tenant_id: string;
      id: string;
      last_checked_at: Date | null;
    }>(
      'SELECT tenant_id, id, last_checked_at FROM public.platform_custom_domains_due($1, $2)',
      [checkedBefore, limit],
      { reader: 'platform_custom_domains_due', unreachable: 'skip' },
    );
    const checkedAt = (row: { last_checked_at: Date | null }) =>
      row.last_checked_at === null ? -Infinity : new Date(row.last_checked_at).getTime();
    return rows
      .sort((a, b) => ascending(checkedAt(a), checkedAt(b)) || ascending(a.id, b.id))
      .slice(0, limit)
      .map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }
}
