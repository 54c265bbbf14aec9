import { Injectable } from '@nestjs/common';
import { ascending } from '../../database/placements/merged-order';
import { PlatformDatabase } from '../../database/platform.database';

/** A warning threshold a tenant's month has already crossed (and been warned about). */
export interface SentQuotaWarning {
  tenantId: string;
  threshold: number;
}

/**
 * The quota warnings every tenant was sent in a month, from the `usage.quota_warning` entries of
 * the audit logs, read by the platform role through platform_quota_warnings() (migration
 * 1763900000260) in every placement database: tenant ids and thresholds only.
 */
@Injectable()
export class QuotaWarningsRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async sentIn(month: string, limit: number): Promise<SentQuotaWarning[]> {
    const rows = await this.platform.queryEveryPlacement<{ tenant_id: string; threshold: number }>(
      'SELECT tenant_id, threshold FROM public.platform_quota_warnings($1, $2)',
      [month, limit],
      { reader: 'platform_quota_warnings', unreachable: 'skip' },
    );
    return rows
      .map((row) => ({ tenantId: row.tenant_id, threshold: Number(row.threshold) }))
      .sort((a, b) => ascending(a.tenantId, b.tenantId) || ascending(a.threshold, b.threshold))
      .slice(0, limit);
  }
}
