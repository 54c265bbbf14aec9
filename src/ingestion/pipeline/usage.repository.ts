import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';

/** Event counts of one tenant-day, by what became of the events. */
export interface UsageCounts {
  accepted: number;
  stored: number;
  rejected: number;
  dead_lettered: number;
}

/** The usage_daily table, in the tenant transaction of the current scope (RLS). */
@Injectable()
export class UsageRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  /** Adds `counts` to the tenant's row for `day` (a UTC date), creating it when absent. */
  async addDailyCounts(tenantId: string, day: string, counts: UsageCounts): Promise<void> {
    await this.tenantContext.manager.query(
      `INSERT INTO usage_daily (tenant_id, day, events_accepted, events_stored,
                                      events_rejected, events_dead_lettered)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, day) DO UPDATE SET
               events_accepted = usage_daily.events_accepted + EXCLUDED.events_accepted,
               events_stored = usage_daily.events_stored + EXCLUDED.events_stored,
               events_rejected = usage_daily.events_rejected + EXCLUDED.events_rejected,
               events_dead_lettered = usage_daily.events_dead_lettered + EXCLUDED.events_dead_lettered,
               updated_at = now()`,
      [tenantId, day, counts.accepted, counts.stored, counts.rejected, counts.dead_lettered],
    );
  }
}
