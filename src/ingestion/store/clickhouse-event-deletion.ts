import type { ClickHouseEventStore } from './clickhouse-event.store';
import type { ClickHouseNode } from './clickhouse/clickhouse-node';
import { mutateAndWait } from './clickhouse/mutations';
import { identifier, stringLiteral, uuidLiteral } from './clickhouse/sql-literal';
import { type RetentionOutcome, utcSeconds } from './event-deletion';

/** Tenants per retention mutation: one ALTER … DELETE covers this many with the same cut-off. */
export const TENANTS_PER_MUTATION = 200;
/** Days per rollup mutation and recompute (a user active on every day of the longest plan). */
const DAYS_PER_STEP = 100;

const dayLiteral = (day: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
  return `toDate('${day}')`;
};

/**
 * Deleting events from the ClickHouse store: ALTER TABLE … DELETE mutations (18.16 and current
 * releases alike), each awaited in system.mutations, as the writer. Values reach SQL only
 * through sql-literal.ts (18.16 has no query parameters): tenant ids as checked UUIDs, the
 * user id escaped, days and instants formatted here from Dates.
 *
 * The daily rollup (events_daily, AggregatingMergeTree of exact sets, kept by a materialized
 * view) cannot subtract: a day an erased user touched is deleted from it and recomputed from the
 * events left. Sets merge, so an insert racing the recompute (the view adding it too) is still
 * counted once.
 *
 * On a cluster every statement runs on the tenant's own shard (its local tables): a tenant's
 * rows live there alone (shard-of.ts), and mutations cannot go through a Distributed table.
 */
export class ClickHouseEventDeletion {
  private readonly db: string;

  constructor(private readonly store: ClickHouseEventStore) {
    this.db = identifier(store.database);
  }

  /** One end user's events sent at or before `cutoff`; rows removed and their UTC days. */
  async eraseUser(
    tenantId: string,
    userId: string,
    cutoff: Date,
  ): Promise<{ events: number; days: string[] }> {
    const at = `toDateTime(${stringLiteral(utcSeconds(cutoff))}, 'UTC')`;
    const where =
      `tenant_id = ${uuidLiteral(tenantId)} AND user_id = ${stringLiteral(userId)}` +
      ` AND (received_at <= ${at} OR timestamp <= ${at})`;
    await this.store.prepare();
    const node = this.store.nodeOf(tenantId);
    const perDay = await node.writerSelect<{ day: string; n: string }>(
      `SELECT toString(toDate(timestamp, 'UTC')) AS day, count() AS n
         FROM ${this.db}.events WHERE ${where} GROUP BY day ORDER BY day`,
    );
    const events = perDay.reduce((sum, row) => sum + Number(row.n), 0);
    const days = perDay.map((row) => row.day);
    if (events === 0) return { events: 0, days: [] };
    const context = { tenant_id: tenantId, purpose: 'erasure' };
    await mutateAndWait(node, 'events', `DELETE WHERE ${where}`, { context });
    await this.recomputeDays(tenantId, days);
    return { events, days };
  }

  /**
   * Rebuilds events_daily for these days of the tenant from its events: the days' rows are
   * deleted (awaited), then inserted again from what is left.
   */
  async recomputeDays(tenantId: string, days: string[]): Promise<void> {
    await this.store.prepare();
    const tenant = uuidLiteral(tenantId);
    const node = this.store.nodeOf(tenantId);
    for (let i = 0; i < days.length; i += DAYS_PER_STEP) {
      const list = days
        .slice(i, i + DAYS_PER_STEP)
        .map(dayLiteral)
        .join(', ');
      await mutateAndWait(
        node,
        'events_daily',
        `DELETE WHERE tenant_id = ${tenant} AND day IN (${list})`,
        { context: { tenant_id: tenantId, purpose: 'rollup recompute' } },
      );
      await node.writerCommand(
        `INSERT INTO ${this.db}.events_daily
         SELECT tenant_id, toDate(timestamp, 'UTC') AS day, event_type,
                uniqExactState(event_id), uniqExactIfState(user_id, user_id != ''),
                uniqExactIfState(session_id, session_id != '')
           FROM ${this.db}.events
          WHERE tenant_id = ${tenant} AND toDate(timestamp, 'UTC') IN (${list})
          GROUP BY tenant_id, day, event_type`,
      );
    }
  }

  /**
   * Retention for tenants sharing one cut-off day: their events before it and their rollup rows
   * of the days before it, one mutation per table for up to TENANTS_PER_MUTATION tenants.
   * Tables with nothing to remove get no mutation. Rows counted are stored rows (a re-delivered
   * event not yet folded counts twice).
   */
  async deleteBefore(tenantIds: string[], cutoffDay: string): Promise<RetentionOutcome> {
    await this.store.prepare();
    const outcome: RetentionOutcome = { events: 0, rollupRows: 0 };
    const perNode = new Map<ClickHouseNode, string[]>();
    for (const tenantId of tenantIds) {
      const node = this.store.nodeOf(tenantId);
      perNode.set(node, [...(perNode.get(node) ?? []), tenantId]);
    }
    for (const [node, ids] of perNode) {
      const part = await this.deleteBeforeOn(node, ids, cutoffDay, tenantIds.length);
      outcome.events += part.events;
      outcome.rollupRows += part.rollupRows;
    }
    return outcome;
  }

  /** deleteBefore for tenants of one shard, on that shard's server. */
  private async deleteBeforeOn(
    node: ClickHouseNode,
    tenantIds: string[],
    cutoffDay: string,
    tenantsInRun: number,
  ): Promise<RetentionOutcome> {
    const outcome: RetentionOutcome = { events: 0, rollupRows: 0 };
    const cutoff = dayLiteral(cutoffDay);
    for (let i = 0; i < tenantIds.length; i += TENANTS_PER_MUTATION) {
      const tenants = tenantIds
        .slice(i, i + TENANTS_PER_MUTATION)
        .map(uuidLiteral)
        .join(', ');
      const context = { purpose: 'retention', cutoff_day: cutoffDay, tenants: tenantsInRun };
      const eventsWhere = `tenant_id IN (${tenants}) AND timestamp < toDateTime(${stringLiteral(`${cutoffDay} 00:00:00`)}, 'UTC')`;
      const events = await this.count(node, 'events', eventsWhere);
      if (events > 0) {
        await mutateAndWait(node, 'events', `DELETE WHERE ${eventsWhere}`, { context });
      }
      const rollupWhere = `tenant_id IN (${tenants}) AND day < ${cutoff}`;
      const rollupRows = await this.count(node, 'events_daily', rollupWhere);
      if (rollupRows > 0) {
        await mutateAndWait(node, 'events_daily', `DELETE WHERE ${rollupWhere}`, { context });
      }
      outcome.events += events;
      outcome.rollupRows += rollupRows;
    }
    return outcome;
  }

  private async count(
    node: ClickHouseNode,
    table: 'events' | 'events_daily',
    where: string,
  ): Promise<number> {
    const [row] = await node.writerSelect<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.${table} WHERE ${where}`,
    );
    return Number(row?.n ?? 0);
  }
}
