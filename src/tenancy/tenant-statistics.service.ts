import { Injectable } from '@nestjs/common';
import { TenantContext } from './scope/tenant.context';
import { TenantRowCountsRepository } from './tenant-row-counts.repository';
import { TENANT_STATUSES, TENANT_TIERS } from './tenant.entity';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

export interface TenantStatistics {
  tenant_id: string;
  status: string;
  tier: string;
  age_days: number;
  /** Row count of every tenant-owned table, read under the tenant's own RLS scope. */
  rows: Record<string, number>;
}

export interface PlatformStatistics {
  tenants: {
    total: number;
    by_status: Record<string, number>;
    by_tier: Record<string, number>;
    created_last_30_days: number;
  };
}

@Injectable()
export class TenantStatisticsService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly tenants: TenantsService,
    private readonly tenantsTable: TenantsRepository,
    private readonly rowCounts: TenantRowCountsRepository,
  ) {}

  async forTenant(id: string): Promise<TenantStatistics> {
    const tenant = await this.tenants.get(id);
    const tables = await this.rowCounts.tenantOwnedTables();
    const rows = await this.tenantContext.runInTenant(id, async () => {
      const counts: Record<string, number> = {};
      for (const table of tables) counts[table] = await this.rowCounts.count(table);
      return counts;
    });
    return {
      tenant_id: tenant.id,
      status: tenant.status,
      tier: tenant.tier,
      age_days: Math.floor((Date.now() - tenant.createdAt.getTime()) / 86_400_000),
      rows,
    };
  }

  async forPlatform(): Promise<PlatformStatistics> {
    const grouped = await this.tenantsTable.countByStatusAndTier();
    const recent = await this.tenantsTable.countCreatedInLast30Days();
    const byStatus = Object.fromEntries(TENANT_STATUSES.map((s) => [s, 0]));
    const byTier = Object.fromEntries(TENANT_TIERS.map((t) => [t, 0]));
    let total = 0;
    for (const row of grouped) {
      const count = Number(row.count);
      byStatus[row.status] = (byStatus[row.status] ?? 0) + count;
      byTier[row.tier] = (byTier[row.tier] ?? 0) + count;
      total += count;
    }
    return {
      tenants: {
        total,
        by_status: byStatus,
        by_tier: byTier,
        created_last_30_days: Number(recent),
      },
    };
  }
}
