import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import type { ClickHouseNode } from '../../ingestion/store/clickhouse/clickhouse-node';
import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';

export const COMPACTED_DAYS = 'tenantry_clickhouse_days_compacted_total';

/** A day is closed this long after it ends (late events of the last minutes still land). */
const CLOSED_AFTER_MS = 60 * 60_000;
/** And compacted once no part of it changed for this long (a backfill or replay finished). */
const QUIET_SECONDS = 600;
/** Days merged per server and run, newest first: a first run over years of days spreads out. */
const DAYS_PER_RUN = 62;

export interface CompactionOptions {
  now?: Date;
  /** Seconds a day's parts must have been left alone (tests pass 0). */
  quietSeconds?: number;
  onProgress?: (done: number, total: number) => Promise<void> | void;
}

interface DirtyDay {
  day: string;
  parts: string;
  rows: string;
}

/**
 * Merges each closed UTC day of the ClickHouse events table into one part (OPTIMIZE … PARTITION
 * … FINAL): re-delivered events fold away there, and analytics count such a day without FINAL
 * (ClickHouseEventStore.cleanDays). A late event makes its day dirty again, read with FINAL
 * until the next run merges it. Per server of a cluster, as the writer. Nothing to do on the
 * PostgreSQL store.
 */
@Injectable()
export class ClosedDayCompactor {
  private readonly logger = new Logger(ClosedDayCompactor.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    @InjectMetric(COMPACTED_DAYS) private readonly compacted: Counter<string>,
  ) {}

  /** The app's event store (IngestionModule's), found when asked: no module import needed. */
  get store(): EventStore {
    return this.moduleRef.get<EventStore>(EVENT_STORE, { strict: false });
  }

  async compact(options: CompactionOptions = {}): Promise<{ days: number; remaining: number }> {
    const store = this.store;
    if (!(store instanceof ClickHouseEventStore)) return { days: 0, remaining: 0 };
    await store.prepare();
    const work = await Promise.all(
      store.allNodes.map(async (node) => ({
        node,
        days: await this.dirtyDays(store, node, options),
      })),
    );
    const total = work.reduce((sum, { days }) => sum + Math.min(days.length, DAYS_PER_RUN), 0);
    let [done, remaining] = [0, 0];
    for (const { node, days } of work) {
      remaining += Math.max(0, days.length - DAYS_PER_RUN);
      for (const day of days.slice(0, DAYS_PER_RUN)) {
        const started = Date.now();
        await node.maintenanceCommand(
          `OPTIMIZE TABLE ${store.database}.events PARTITION ID ${stringLiteral(day.day)} FINAL`,
        );
        this.compacted.inc();
        this.logger.log({
          msg: 'day compacted',
          day: day.day,
          node: node.url,
          parts: Number(day.parts),
          rows: Number(day.rows),
          ms: Date.now() - started,
        });
        done += 1;
        await options.onProgress?.(done, total);
      }
    }
    return { days: done, remaining };
  }

  /** Closed days of more than one part, or of one unmerged part, newest first. */
  private dirtyDays(
    store: ClickHouseEventStore,
    node: ClickHouseNode,
    options: CompactionOptions,
  ): Promise<DirtyDay[]> {
    const closedBefore = new Date((options.now ?? new Date()).getTime() - CLOSED_AFTER_MS)
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');
    return node.writerSelect<DirtyDay>(
      `SELECT partition_id AS day, count() AS parts, sum(rows) AS rows FROM system.parts
        WHERE active AND database = ${stringLiteral(store.database)} AND table = 'events'
          AND partition_id < ${stringLiteral(closedBefore)}
        GROUP BY partition_id
       HAVING (count() > 1 OR min(level) = 0)
          AND max(modification_time) <= now() - ${Math.floor(options.quietSeconds ?? QUIET_SECONDS)}
        ORDER BY partition_id DESC`,
    );
  }
}
