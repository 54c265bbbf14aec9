import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';

/** Event counts of one tenant-day, by what became of the events. */
export interface UsageCounts {
  accepted: number;
  stored: number;
  rejected: number;
  dead_lettered: number;
}

/** One day of usage_daily as GET /v1/usage/daily shows it. */
export interface DailyUsageRow extends UsageCounts {
  day: string;
  storage_bytes: number | null;
}

interface CountsRow {
  accepted: string;
  stored: string;
  rejected: string;
  dead_lettered: string;
}

const SUMS = `coalesce(sum(events_accepted), 0)::bigint AS accepted,
              coalesce(sum(events_stored), 0)::bigint AS stored,
              coalesce(sum(events_rejected), 0)::bigint AS rejected,
              coalesce(sum(events_dead_lettered), 0)::bigint AS dead_lettered`;

function countsOf(row: CountsRow): UsageCounts {
  return {
    accepted: Number(row.accepted),
    stored: Number(row.stored),
    rejected: Number(row.rejected),
    dead_lettered: Number(row.dead_lettered),
  };
}

/** The usage_daily table, in the tenant transaction of the current scope (RLS). */
@Injectable()
export class UsageRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  /**
   * Adds `counts` to the tenant's row for `day` (a UTC date), creating it when absent. Counts
   * still in a meter's memory when the tenant is purged are dropped: a tombstone gets no row.
   */
  async addDailyCounts(tenantId: string, day: string, counts: UsageCounts): Promise<void> {
    await this.tenantContext.manager.query(
      `INSERT INTO usage_daily (tenant_id, day, events_accepted, events_stored,
                                      events_rejected, events_dead_lettered, last_accepted_at)
             SELECT $1::uuid, $2::date, $3::bigint, $4::bigint, $5::bigint, $6::bigint,
                    CASE WHEN $3::bigint > 0 THEN now() END
              WHERE NOT EXISTS (SELECT 1 FROM tenants t
                                 WHERE t.id = $1::uuid AND t.status IN ('purging', 'purged'))
             ON CONFLICT (tenant_id, day) DO UPDATE SET
               events_accepted = usage_daily.events_accepted + EXCLUDED.events_accepted,
               events_stored = usage_daily.events_stored + EXCLUDED.events_stored,
               events_rejected = usage_daily.events_rejected + EXCLUDED.events_rejected,
               events_dead_lettered = usage_daily.events_dead_lettered + EXCLUDED.events_dead_lettered,
               last_accepted_at = coalesce(EXCLUDED.last_accepted_at, usage_daily.last_accepted_at),
               updated_at = now()`,
      [tenantId, day, counts.accepted, counts.stored, counts.rejected, counts.dead_lettered],
    );
  }

  /** When the current tenant last had events accepted (within the meter's flush), or null. */
  async lastAcceptedAt(): Promise<Date | null> {
    const [row] = await this.tenantContext.manager.query<{ at: Date | null }[]>(
      'SELECT max(last_accepted_at) AS at FROM usage_daily',
    );
    return row?.at ?? null;
  }

  /** The current tenant's counts summed over the UTC days [from, to) (dates, YYYY-MM-DD). */
  async totals(from: string, to: string): Promise<UsageCounts> {
    const [row] = await this.tenantContext.manager.query<CountsRow[]>(
      `SELECT ${SUMS} FROM usage_daily WHERE day >= $1::date AND day < $2::date`,
      [from, to],
    );
    return countsOf(row);
  }

  /** The current tenant's days in [from, to] (dates), oldest first; days without a row omitted. */
  async daily(from: string, to: string): Promise<DailyUsageRow[]> {
    const rows = await this.tenantContext.manager.query<
      (CountsRow & { day: string; storage_bytes: string | null })[]
    >(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, events_accepted AS accepted,
              events_stored AS stored, events_rejected AS rejected,
              events_dead_lettered AS dead_lettered, storage_bytes
         FROM usage_daily WHERE day >= $1::date AND day <= $2::date ORDER BY day`,
      [from, to],
    );
    return rows.map((row) => ({
      day: row.day,
      ...countsOf(row),
      storage_bytes: row.storage_bytes === null ? null : Number(row.storage_bytes),
    }));
  }

  /** The current tenant's latest storage measurement, or null when never measured. */
  async latestStorage(): Promise<{ day: string; bytes: number } | null> {
    const [row] = await this.tenantContext.manager.query<{ day: string; bytes: string }[]>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, storage_bytes AS bytes FROM usage_daily
        WHERE storage_bytes IS NOT NULL ORDER BY day DESC LIMIT 1`,
    );
    return row ? { day: row.day, bytes: Number(row.bytes) } : null;
  }

  /** Sets the tenant's storage estimate of `day` (its row is created when absent). */
  async setStorage(tenantId: string, day: string, bytes: number): Promise<void> {
    await this.tenantContext.manager.query(
      `INSERT INTO usage_daily (tenant_id, day, storage_bytes) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, day) DO UPDATE SET storage_bytes = EXCLUDED.storage_bytes,
                                                  updated_at = now()`,
      [tenantId, day, bytes],
    );
  }
}
