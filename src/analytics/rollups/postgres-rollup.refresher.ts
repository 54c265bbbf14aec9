import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ascending } from '../../database/placements/merged-order';
import { PlatformDatabase } from '../../database/platform.database';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { dayText } from './rollup-plan';
import { DataVersionsStore } from '../cache/data-versions.store';

export const ROLLUP_DAYS_REFRESHED = 'tenantry_rollup_days_refreshed_total';

const DAY_MS = 86_400_000;
/** Days per run: a backlog (a new install over old events) drains over several runs. */
const DAYS_PER_RUN = 2000;

/**
 * Brings the PostgreSQL daily rollups up to date: every closed UTC day written since its last
 * roll (event_rollup_days.version ahead of rolled_version) is recomputed from raw events, one
 * tenant transaction per day. A write racing the recompute leaves the day stale again (the
 * version read first no longer matches), so readers never trust a rollup missing an event.
 */
@Injectable()
export class PostgresRollupRefresher {
  private readonly logger = new Logger(PostgresRollupRefresher.name);

  constructor(
    private readonly platform: PlatformDatabase,
    private readonly tenantContext: TenantContext,
    @InjectMetric(ROLLUP_DAYS_REFRESHED) private readonly refreshed: Counter<string>,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** A rolled day's cached answers are dropped (looked up: FairAnalyticsModule owns it). */
  private async dayRolled(tenantId: string, day: string): Promise<void> {
    this.refreshed.inc();
    const versions = this.moduleRef.get(DataVersionsStore, { strict: false });
    await versions.bumpDays([{ tenantId, timestamp: new Date(`${day}T00:00:00Z`) }]);
  }

  async refreshStaleDays(now = Date.now()): Promise<{ days: number; remaining: boolean }> {
    // Which days of which tenants: a cross-tenant read, so the platform role's (as a job, not
    // tenant traffic), in every placement database, oldest day first; each day is then rolled
    // as the app role inside its tenant's scope (on its tenant's placement).
    const stale = (
      await this.platform.queryEveryPlacement<{ tenant_id: string; day: string }>(
        `SELECT tenant_id, to_char(day, 'YYYY-MM-DD') AS day
           FROM public.platform_stale_rollup_days($1::date, $2)`,
        [dayText(now), DAYS_PER_RUN],
        { reader: 'platform_stale_rollup_days', unreachable: 'skip' },
      )
    )
      .sort((a, b) => ascending(a.day, b.day) || ascending(a.tenant_id, b.tenant_id))
      .slice(0, DAYS_PER_RUN);
    let rolled = 0;
    for (const [index, { tenant_id: tenantId, day }] of stale.entries()) {
      if (await this.tenantContext.runInTenant(tenantId, () => this.rollDay(tenantId, day))) {
        rolled += 1;
        await this.dayRolled(tenantId, day);
      }
      if ((index + 1) % 200 === 0) {
        this.logger.log({ msg: 'rolling up days', done: index + 1, of: stale.length });
      }
    }
    if (rolled > 0) {
      this.logger.log({
        msg: 'rollups refreshed',
        days: rolled,
        tenant_id: stale[0].tenant_id,
      });
    }
    return { days: rolled, remaining: stale.length === DAYS_PER_RUN };
  }

  /**
   * Recomputes these days of one tenant now (an erasure removed events from them), rather than
   * waiting for the job: each day in its own tenant transaction. Returns the days rolled.
   */
  async refreshDays(tenantId: string, days: readonly string[]): Promise<number> {
    let rolled = 0;
    for (const day of days) {
      if (await this.tenantContext.runInTenant(tenantId, () => this.rollDay(tenantId, day))) {
        rolled += 1;
        await this.dayRolled(tenantId, day);
      }
    }
    return rolled;
  }

  /**
   * Recomputes one day; false when there was nothing to do. Refreshes may overlap (the BullMQ
   * job beside a manual run, or the in-process timers of several app copies without Redis):
   * a transaction-scoped advisory lock per (tenant, day) lets one roll it while the others skip
   * it, and a day already rolled at its current version is skipped. No row lock, so ingestion
   * bumping the day's version never waits for a roll.
   */
  private async rollDay(tenantId: string, day: string): Promise<boolean> {
    const manager = this.tenantContext.manager;
    const [lock]: { locked: boolean }[] = await manager.query(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('rollup:' || $1::text || ':' || $2::text, 0))
                AS locked`,
      [tenantId, day],
    );
    if (!lock.locked) return false;
    const [state]: { version: string; rolled_version: string | null }[] = await manager.query(
      'SELECT version, rolled_version FROM event_rollup_days WHERE tenant_id = $1 AND day = $2::date',
      [tenantId, day],
    );
    if (!state || state.rolled_version === state.version) return false;
    const start = new Date(`${day}T00:00:00Z`);
    const range = [
      tenantId,
      day,
      start.toISOString(),
      new Date(start.getTime() + DAY_MS).toISOString(),
    ];
    const ofDay = 'tenant_id = $1 AND "timestamp" >= $3 AND "timestamp" < $4';
    for (const table of [
      'event_rollups_daily',
      'event_rollup_daily_users',
      'event_rollup_daily_sessions',
      'event_rollup_daily_all_users',
      'event_rollup_daily_all_sessions',
    ]) {
      await manager.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND day = $2::date`, [
        tenantId,
        day,
      ]);
    }
    await manager.query(
      `INSERT INTO event_rollups_daily (tenant_id, day, event_type, events)
       SELECT $1, $2::date, event_type, count(*) FROM events WHERE ${ofDay} GROUP BY event_type`,
      range,
    );
    await manager.query(
      `INSERT INTO event_rollup_daily_users (tenant_id, day, event_type, user_id)
       SELECT DISTINCT $1::uuid, $2::date, event_type, user_id FROM events
        WHERE ${ofDay} AND user_id <> ''`,
      range,
    );
    await manager.query(
      `INSERT INTO event_rollup_daily_sessions (tenant_id, day, event_type, session_id)
       SELECT DISTINCT $1::uuid, $2::date, event_type, session_id FROM events
        WHERE ${ofDay} AND session_id <> ''`,
      range,
    );
    await manager.query(
      `INSERT INTO event_rollup_daily_all_users (tenant_id, day, user_id)
       SELECT DISTINCT $1::uuid, $2::date, user_id FROM event_rollup_daily_users
        WHERE tenant_id = $1 AND day = $2::date`,
      [tenantId, day],
    );
    await manager.query(
      `INSERT INTO event_rollup_daily_all_sessions (tenant_id, day, session_id)
       SELECT DISTINCT $1::uuid, $2::date, session_id FROM event_rollup_daily_sessions
        WHERE tenant_id = $1 AND day = $2::date`,
      [tenantId, day],
    );
    await manager.query(
      `UPDATE event_rollup_days SET rolled_version = $3, rolled_at = now()
        WHERE tenant_id = $1 AND day = $2::date`,
      [tenantId, day, state.version],
    );
    return true;
  }
}
