import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import type { ClickHouseNode } from '../../ingestion/store/clickhouse/clickhouse-node';
import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import { weekStart } from '../stores/clean-weeks';

export const COMPACTED_WEEKS = 'tenantry_clickhouse_weeks_compacted_total';

/** A week is closed this long after it ends (late events of the last minutes still land). */
const CLOSED_AFTER_MS = 60 * 60_000;
/** And compacted once no part of it changed for this long (a backfill or replay finished). */
const QUIET_SECONDS = 600;
/** Weeks merged per server and run, newest first: a first run over years of weeks spreads out. */
const WEEKS_PER_RUN = 10;

export interface CompactionOptions {
  now?: Date;
  /** Seconds a week's parts must have been left alone (tests pass 0). */
  quietSeconds?: number;
  onProgress?: (done: number, total: number) => Promise<void> | void;
}

interface DirtyWeek {
  week: string;
  parts: string;
  rows: string;
}

/**
 * Merges each closed UTC week (Monday to Monday) of the ClickHouse events table into one part
 * (OPTIMIZE … PARTITION … FINAL): re-delivered events fold away there, and analytics count such
 * a week without FINAL (ClickHouseEventStore.cleanWeeks). A late event makes its week dirty
 * again, read with FINAL until a later run merges it. Per server of a cluster, as the writer.
 * Nothing to do on the PostgreSQL store.
 */
@Injectable()
export class ClosedWeekCompactionRunner {
  private readonly logger = new Logger(ClosedWeekCompactionRunner.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    @InjectMetric(COMPACTED_WEEKS) private readonly compacted: Counter<string>,
  ) {}

  /** The app's event store (IngestionModule's), found when asked: no module import needed. */
  get store(): EventStore {
    return this.moduleRef.get<EventStore>(EVENT_STORE, { strict: false });
  }

  async compact(options: CompactionOptions = {}): Promise<{ weeks: number; remaining: number }> {
    const store = this.store;
    if (!(store instanceof ClickHouseEventStore)) return { weeks: 0, remaining: 0 };
    await store.prepare();
    const work = await Promise.all(
      store.allNodes.map(async (node) => ({
        node,
        weeks: await this.dirtyWeeks(store, node, options),
      })),
    );
    const total = work.reduce((sum, { weeks }) => sum + Math.min(weeks.length, WEEKS_PER_RUN), 0);
    let [done, remaining, failed] = [0, 0, 0];
    for (const { node, weeks } of work) {
      remaining += Math.max(0, weeks.length - WEEKS_PER_RUN);
      for (const week of weeks.slice(0, WEEKS_PER_RUN)) {
        const started = Date.now();
        try {
          await node.maintenanceCommand(
            `OPTIMIZE TABLE ${store.database}.events PARTITION ID ${stringLiteral(week.week)} FINAL`,
          );
        } catch (error) {
          // One week that cannot be merged now (a mutation on it, a merge in progress) must not
          // hold back the older ones: it stays under FINAL and is tried again next run.
          failed += 1;
          this.logger.warn({ err: error, week: week.week, node: node.url }, 'week not compacted');
          continue;
        }
        this.compacted.inc();
        this.logger.log({
          msg: 'week compacted',
          week: week.week,
          node: node.url,
          parts: Number(week.parts),
          rows: Number(week.rows),
          ms: Date.now() - started,
        });
        done += 1;
        await options.onProgress?.(done, total);
      }
    }
    return { weeks: done, remaining: remaining + failed };
  }

  /** Closed weeks of more than one part, or of one unmerged part, newest first. */
  private dirtyWeeks(
    store: ClickHouseEventStore,
    node: ClickHouseNode,
    options: CompactionOptions,
  ): Promise<DirtyWeek[]> {
    const now = (options.now ?? new Date()).getTime();
    // The Monday of the week in progress an hour ago: every earlier partition is closed.
    const open = new Date(weekStart(now - CLOSED_AFTER_MS))
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');
    return node.writerSelect<DirtyWeek>(
      `SELECT partition_id AS week, count() AS parts, sum(rows) AS rows FROM system.parts
        WHERE active AND database = ${stringLiteral(store.database)} AND table = 'events'
          AND partition_id < ${stringLiteral(open)}
        GROUP BY partition_id
       HAVING (count() > 1 OR min(level) = 0)
          AND max(modification_time) <= now() - ${Math.floor(options.quietSeconds ?? QUIET_SECONDS)}
        ORDER BY partition_id DESC`,
    );
  }
}
