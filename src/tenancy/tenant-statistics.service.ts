import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantContext } from './scope/tenant.context';
import { TENANT_STATUSES, TENANT_TIERS } from './tenant.entity';
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
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
    private readonly tenants: TenantsService,
  ) {}

  async forTenant(id: string): Promise<TenantStatistics> {
    const tenant = await this.tenants.get(id);
    const tables = await this.tenantOwnedTables();
    const rows = await this.tenantContext.runInTenant(id, async () => {
      const counts: Record<string, number> = {};
      for (const table of tables) {
        // Table names come from the catalogue, never from the request.
        const [{ count }] = await this.tenantContext.manager.query<{ count: string }[]>(
          `SELECT count(*)::bigint AS count FROM ${quoteIdentifier(table)}`,
        );
        counts[table] = Number(count);
      }
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
    const grouped = await this.dataSource.query<{ status: string; tier: string; count: string }[]>(
      'SELECT status, tier, count(*)::bigint AS count FROM tenants GROUP BY status, tier',
    );
    const [{ recent }] = await this.dataSource.query<{ recent: string }[]>(
      "SELECT count(*)::bigint AS recent FROM tenants WHERE created_at > now() - interval '30 days'",
    );
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

  /** Every table (not partition) in public that carries a tenant_id column. */
  private async tenantOwnedTables(): Promise<string[]> {
    const rows = await this.dataSource.query<{ name: string }[]>(
      `SELECT c.relname AS name
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    return rows.map((row) => row.name);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
