import { DataVersionsStore } from '../../analytics/cache/data-versions.store';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { ClickHouseEventDeletion } from '../../ingestion/store/clickhouse-event-deletion';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { utcDay } from '../../ingestion/store/event-deletion';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { PostgresEventDeletion } from '../../ingestion/store/postgres-event-deletion';
import { OpenMovesRepository } from '../../tenancy/scope/open-moves.repository';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantsService } from '../../tenancy/tenants.service';
import { EventPartitionsRepository } from './event-partitions.repository';

export const RETENTION_REMOVED = 'tenantry_retention_removed_total';

const DAY_MS = 86_400_000;
const PAGE = 100;

interface StoreReport {
  events: number;
  rollup_rows: number;
}

export interface RetentionReport {
  tenants: number;
  failed: number;
  postgres: StoreReport & { partitions: string[]; partition_events: number };
  clickhouse: StoreReport | null;
}

/**
 * The first UTC day a tenant keeps: everything before it is past retention. Analytics refuse a
 * `from` older than now − retention, so the deleted days were already out of every read's reach
 * (the day's part between its start and that instant goes the next day).
 */
export function keptFrom(now: Date, retentionDays: number): string {
  return utcDay(new Date(now.getTime() - retentionDays * DAY_MS));
}

/**
 * Deletes events (and their rollups) older than each tenant's plan retention (its contract's
 * override first), from both stores:
 * - PostgreSQL: monthly partitions every tenant is past are dropped whole, by the owner's
 *   drop_expired_event_partitions() (the app role owns nothing); the rest is deleted per
 *   tenant in batches, under that tenant's RLS, with the rollup rows of those days.
 * - ClickHouse, when it is the event store: tenants grouped by cut-off day, one ALTER … DELETE
 *   per table for up to 200 of them, each mutation awaited until done.
 * Counted in tenantry_retention_removed_total, written to the platform audit log, and logged
 * with tenant_id for every tenant that lost rows. Idempotent: a run cut short is made again.
 */
@Injectable()
export class RetentionEnforcerService {
  private readonly logger = new Logger(RetentionEnforcerService.name);
  private readonly postgres: PostgresEventDeletion;
  private clickhouseDeletion?: ClickHouseEventDeletion | null;

  constructor(
    tenantContext: TenantContext,
    private readonly partitions: EventPartitionsRepository,
    private readonly moduleRef: ModuleRef,
    @InjectMetric(RETENTION_REMOVED) private readonly removed: Counter<string>,
    private readonly openMoves: OpenMovesRepository,
  ) {
    this.postgres = new PostgresEventDeletion(tenantContext);
  }

  /** ClickHouse's deletes when it is the event store, else null. */
  private get clickhouse(): ClickHouseEventDeletion | null {
    if (this.clickhouseDeletion === undefined) {
      const store = this.moduleRef.get<EventStore>(EVENT_STORE, { strict: false });
      this.clickhouseDeletion =
        store instanceof ClickHouseEventStore ? new ClickHouseEventDeletion(store) : null;
    }
    return this.clickhouseDeletion;
  }

  // Looked up when the job runs (see InvoiceFinaliserService): importing their modules here
  // would reorder the app's routes.
  private get platformAudit(): PlatformAuditService {
    return this.moduleRef.get(PlatformAuditService, { strict: false });
  }

  private get versions(): DataVersionsStore {
    return this.moduleRef.get(DataVersionsStore, { strict: false });
  }

  private get tenants(): TenantsService {
    return this.moduleRef.get(TenantsService, { strict: false });
  }

  private get entitlements(): EntitlementsService {
    return this.moduleRef.get(EntitlementsService, { strict: false });
  }

  async enforce(
    now = new Date(),
    progress: (done: { tenants: number }) => unknown = () => undefined,
  ): Promise<RetentionReport> {
    const clickhouse = this.clickhouse;
    const report: RetentionReport = {
      tenants: 0,
      failed: 0,
      postgres: { events: 0, rollup_rows: 0, partitions: [], partition_events: 0 },
      clickhouse: clickhouse ? { events: 0, rollup_rows: 0 } : null,
    };
    const dropped = await this.partitions.dropExpired();
    for (const partition of dropped) {
      report.postgres.partitions.push(partition.partition_name);
      report.postgres.partition_events += partition.rows_removed;
      this.logger.log({ msg: 'retention: dropped an expired event partition', ...partition });
    }
    this.removed.inc({ store: 'postgres', kind: 'partitions' }, dropped.length);
    this.removed.inc({ store: 'postgres', kind: 'events' }, report.postgres.partition_events);

    const byCutoff = new Map<string, string[]>();
    // A tenant under a move keeps its rows until the next run (issue 18): see OpenMovesRepository.
    const moving = await this.openMoves.tenantIds();
    for await (const tenant of this.allTenants()) {
      if (moving.has(tenant.id)) {
        this.logger.log({ msg: 'retention: skipped a tenant under a move', tenant_id: tenant.id });
        continue;
      }
      report.tenants += 1;
      try {
        const retention = (await this.entitlements.termsOf(tenant)).dataRetentionDays;
        const cutoffDay = keptFrom(now, retention);
        byCutoff.set(cutoffDay, [...(byCutoff.get(cutoffDay) ?? []), tenant.id]);
        const removed = await this.postgres.deleteBefore(tenant.id, cutoffDay);
        report.postgres.events += removed.events;
        report.postgres.rollup_rows += removed.rollupRows;
        this.removed.inc({ store: 'postgres', kind: 'events' }, removed.events);
        this.removed.inc({ store: 'postgres', kind: 'rollup_rows' }, removed.rollupRows);
        if (removed.events + removed.rollupRows > 0) {
          await this.versions.bumpTenant(tenant.id);
          this.logger.log({
            msg: 'retention: removed old events',
            store: 'postgres',
            tenant_id: tenant.id,
            cutoff_day: cutoffDay,
            events: removed.events,
            rollup_rows: removed.rollupRows,
          });
        }
      } catch (error) {
        report.failed += 1;
        this.logger.error({ err: error, tenant_id: tenant.id }, 'retention failed for a tenant');
      }
      if (report.tenants % PAGE === 0) {
        this.logger.log({ msg: 'retention: progress', tenants: report.tenants });
        await progress({ tenants: report.tenants });
      }
    }

    if (clickhouse && report.clickhouse) {
      for (const [cutoffDay, tenantIds] of byCutoff) {
        try {
          const removed = await clickhouse.deleteBefore(tenantIds, cutoffDay);
          if (removed.events > 0) for (const id of tenantIds) await this.versions.bumpTenant(id);
          report.clickhouse.events += removed.events;
          report.clickhouse.rollup_rows += removed.rollupRows;
          this.removed.inc({ store: 'clickhouse', kind: 'events' }, removed.events);
          this.removed.inc({ store: 'clickhouse', kind: 'rollup_rows' }, removed.rollupRows);
          this.logger.log({
            msg: 'retention: ClickHouse cut-off applied',
            cutoff_day: cutoffDay,
            tenants: tenantIds.length,
            ...removed,
          });
        } catch (error) {
          report.failed += tenantIds.length;
          this.logger.error(
            { err: error, cutoff_day: cutoffDay },
            'retention failed in ClickHouse',
          );
        }
      }
    }

    await this.platformAudit.record(
      {
        action: 'retention.enforced',
        resourceType: 'events',
        details: { ...report, run_at: now.toISOString() },
      },
      { type: 'system', id: 'retention-job', ip: null, userAgent: null },
    );
    this.logger.log({ msg: 'retention enforced', ...report });
    if (report.failed > 0) {
      throw new Error(`retention failed for ${report.failed} tenant(s); see the log`);
    }
    return report;
  }

  private async *allTenants() {
    for (let page = 1; ; page += 1) {
      const batch = await this.tenants.list({ page, limit: PAGE });
      yield* batch.data;
      if (batch.data.length < PAGE || page * PAGE >= batch.total) return;
    }
  }
}
