import { Logger } from '@nestjs/common';
import type { TenantContext } from '../../tenancy/scope/tenant.context';
import { MAX_RETENTION_DAYS } from '../../tenancy/plans';
import { DELETE_BATCH_ROWS, type RetentionOutcome, utcDay } from './event-deletion';

/** Every rollup table of the PostgreSQL store, keyed by (tenant_id, day, …). */
const ROLLUP_TABLES = [
  'event_rollups_daily',
  'event_rollup_daily_users',
  'event_rollup_daily_sessions',
  'event_rollup_daily_all_users',
  'event_rollup_daily_all_sessions',
];

/**
 * Deleting events from the PostgreSQL store, always as the app role inside the tenant's scope
 * (RLS forced: a delete can only ever reach the current tenant's rows), in bounded
 * transactions (a month of one user's events; DELETE_BATCH_ROWS rows of old events). The
 * statement trigger on events marks every day a transaction touched stale, so analytics read
 * those days raw until their rollup is recomputed.
 */
export class PostgresEventDeletion {
  private readonly logger = new Logger(PostgresEventDeletion.name);

  constructor(private readonly tenantContext: TenantContext) {}

  /**
   * One end user's events sent at or before `cutoff` (received, or timestamped, by then).
   * Returns the rows removed and the UTC days they were on. No index leads with user_id (one
   * would cost every insert), so the tenant's events are walked once, a month per transaction
   * along (tenant_id, timestamp): bounded transactions, and no batch re-reading what the
   * previous one already scanned.
   */
  async eraseUser(
    tenantId: string,
    userId: string,
    cutoff: Date,
  ): Promise<{ events: number; days: string[] }> {
    let events = 0;
    const days = new Set<string>();
    for (const [from, to] of monthWindows(new Date())) {
      const [window] = await this.tenantContext.runInTenant(tenantId, () =>
        this.tenantContext.manager.query<{ n: number; days: string[] }[]>(
          `WITH gone AS (
             DELETE FROM events
              WHERE tenant_id = $1 AND user_id = $2 AND (received_at <= $3 OR "timestamp" <= $3)
                AND "timestamp" >= $4 AND "timestamp" < $5
             RETURNING "timestamp")
           SELECT count(*)::int AS n,
                  coalesce(array_agg(DISTINCT to_char(("timestamp" AT TIME ZONE 'UTC')::date,
                                                      'YYYY-MM-DD')), '{}') AS days
             FROM gone`,
          [tenantId, userId, cutoff.toISOString(), from, to],
        ),
      );
      events += window.n;
      for (const day of window.days) days.add(day);
      if (window.n > 0) {
        this.logger.log({
          msg: 'erasing an end user’s events',
          tenant_id: tenantId,
          events,
          through: to,
        });
      }
    }
    return { events, days: [...days].sort() };
  }

  /**
   * Retention for one tenant: its events before the UTC day `cutoffDay` and every rollup row
   * (and rollup-day mark) of the days before it.
   */
  async deleteBefore(tenantId: string, cutoffDay: string): Promise<RetentionOutcome> {
    const cutoff = `${cutoffDay}T00:00:00Z`;
    let events = 0;
    for (;;) {
      const [batch] = await this.tenantContext.runInTenant(tenantId, () =>
        this.tenantContext.manager.query<{ n: number }[]>(
          `WITH doomed AS (
             SELECT event_id, "timestamp" FROM events
              WHERE tenant_id = $1 AND "timestamp" < $2 LIMIT $3),
           gone AS (
             DELETE FROM events e USING doomed d
              WHERE e.tenant_id = $1 AND e.event_id = d.event_id AND e."timestamp" = d."timestamp"
             RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [tenantId, cutoff, DELETE_BATCH_ROWS],
        ),
      );
      events += batch.n;
      if (batch.n < DELETE_BATCH_ROWS) break;
      this.logger.log({ msg: 'retention: deleting old events', tenant_id: tenantId, events });
    }
    // After the events: their deletes marked the days stale; the marks go with the rollups.
    const rollupRows = await this.tenantContext.runInTenant(tenantId, async () => {
      let removed = 0;
      for (const table of [...ROLLUP_TABLES, 'event_rollup_days']) {
        const [row] = await this.tenantContext.manager.query<{ n: number }[]>(
          `WITH gone AS (DELETE FROM ${table} WHERE tenant_id = $1 AND day < $2::date RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [tenantId, cutoffDay],
        );
        if (table !== 'event_rollup_days') removed += row.n;
      }
      return removed;
    });
    return { events, rollupRows };
  }
}

/**
 * [from, to) windows covering every instant: one per UTC month over the partitions the store
 * keeps (the longest retention back, two months ahead), and one open window at each end.
 */
export function monthWindows(now: Date): [string, string][] {
  const first = new Date(now.getTime() - (MAX_RETENTION_DAYS + 62) * 86_400_000);
  const bounds: string[] = ['-infinity'];
  for (
    let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    month <= Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1);
    month = Date.UTC(new Date(month).getUTCFullYear(), new Date(month).getUTCMonth() + 1, 1)
  ) {
    bounds.push(new Date(month).toISOString());
  }
  bounds.push('infinity');
  return bounds.slice(1).map((to, index) => [bounds[index], to]);
}

/** The closed UTC days among `days` (before today): the ones a rollup is kept for. */
export function closedDays(days: string[], now = new Date()): string[] {
  const today = utcDay(now);
  return days.filter((day) => day < today);
}
