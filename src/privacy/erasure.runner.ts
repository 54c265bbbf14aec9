import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { PostgresRollupRefresher } from '../analytics/rollups/postgres-rollup.refresher';
import { DataVersionsStore } from '../analytics/cache/data-versions.store';
import { AuditService } from '../audit/audit.service';
import type { Environment } from '../config/environment';
import { ClickHouseEventDeletion } from '../ingestion/store/clickhouse-event-deletion';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { closedDays, PostgresEventDeletion } from '../ingestion/store/postgres-event-deletion';
import type { Actor } from '../tenancy/scope/actor';
import { OpenMovesRepository } from '../tenancy/scope/open-moves.repository';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { ErasureJobData, ErasureRequest, StoreRemoval } from './erasure-request';
import { ErasureRequestsRepository } from './erasure-requests.repository';

export const ERASURE_EVENTS_REMOVED = 'tenantry_erasure_events_removed_total';
export const ERASURES_FINISHED = 'tenantry_erasures_total';
/** How long a pass waits for a move of its tenant to end before it goes ahead anyway. */
const MOVE_WAIT_MS = 5 * 60_000;
const MOVE_POLL_MS = 1_000;

/**
 * Carries out one pass of one erasure request: the end user's events sent up to the request's
 * cut-off are deleted from PostgreSQL (always: a store switched to ClickHouse may still hold
 * older events there) and from ClickHouse when it is the event store, and every rollup day they
 * counted in is recomputed from the events left. The first pass runs at once; the recheck, a
 * while later, removes events that were in flight (Kafka) when the request came in.
 *
 * Idempotent: a pass already recorded is skipped, so a re-delivered job changes nothing; a pass
 * cut short is simply run again (deletes of what is already gone remove nothing).
 */
@Injectable()
export class ErasureRunner {
  private readonly logger = new Logger(ErasureRunner.name);
  private readonly postgres: PostgresEventDeletion;
  private clickhouseDeletion?: ClickHouseEventDeletion | null;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly requests: ErasureRequestsRepository,
    private readonly moduleRef: ModuleRef,
    private readonly config: ConfigService<Environment, true>,
    @InjectMetric(ERASURE_EVENTS_REMOVED) private readonly removedEvents: Counter<string>,
    @InjectMetric(ERASURES_FINISHED) private readonly finished: Counter<string>,
    private readonly openMoves: OpenMovesRepository,
  ) {
    this.postgres = new PostgresEventDeletion(tenantContext);
  }

  // Looked up when a pass runs (see InvoiceFinaliserService): importing the modules that own
  // them (with their controllers) from here would reorder the app's routes.
  private get refresher(): PostgresRollupRefresher {
    return this.moduleRef.get(PostgresRollupRefresher, { strict: false });
  }

  private get audit(): AuditService {
    return this.moduleRef.get(AuditService, { strict: false });
  }

  /**
   * A move of the tenant (issue 18) would find its copy differing from rows deleted under it and
   * roll back: the pass waits for it to end, bounded (past MOVE_WAIT_MS it goes ahead, and the
   * move, if still copying, rolls back and can be asked again).
   */
  private async awaitNoMove(tenantId: string, erasureId: string): Promise<void> {
    const until = Date.now() + MOVE_WAIT_MS;
    let waiting = false;
    while (Date.now() < until && (await this.openMoves.isMoving(tenantId))) {
      if (!waiting) {
        this.logger.log({
          msg: 'erasure pass waits for a move of its tenant',
          tenant_id: tenantId,
          erasure_id: erasureId,
        });
        waiting = true;
      }
      await new Promise((resolve) => setTimeout(resolve, MOVE_POLL_MS));
    }
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

  /** Runs the pass; returns when the recheck is due after a first pass, else null. */
  async run({ tenantId, erasureId, pass }: ErasureJobData): Promise<Date | null> {
    await this.awaitNoMove(tenantId, erasureId);
    const request = await this.tenantContext.runInTenant(tenantId, async () => {
      const found = await this.requests.findByIdForUpdate(erasureId);
      if (!found || !found.userId) return null;
      if (pass === 'first' && found.status === 'completed') return null;
      if (pass === 'recheck' && (found.recheckedAt || found.status !== 'completed')) return null;
      if (pass === 'first') await this.requests.markRunning(erasureId);
      return found;
    });
    if (!request) {
      this.logger.log({
        msg: 'erasure pass has nothing to do',
        tenant_id: tenantId,
        erasure_id: erasureId,
        pass,
      });
      return null;
    }
    const actor = requesterOf(request);
    try {
      const removals = await this.erase(request);
      const recheckAfter =
        pass === 'first'
          ? new Date(
              Date.now() + this.config.get('ERASURE_RECHECK_SECONDS', { infer: true }) * 1000,
            )
          : null;
      await this.tenantContext.runInTenant(
        tenantId,
        async () => {
          await this.requests.recordPass(
            erasureId,
            addRemovals(request.removed, removals),
            recheckAfter ? { recheckAfter } : 'done',
          );
          await this.audit.record(
            {
              action: pass === 'first' ? 'privacy.erasure_completed' : 'privacy.erasure_rechecked',
              resourceType: 'erasure',
              resourceId: erasureId,
              details: {
                subject_digest: request.subjectDigest,
                removed: Object.fromEntries(removals),
              },
            },
            actor,
          );
        },
        actor,
      );
      for (const [store, removal] of removals) this.removedEvents.inc({ store }, removal.events);
      this.finished.inc({ pass, outcome: 'completed' });
      this.logger.log({
        msg: 'erasure pass done',
        tenant_id: tenantId,
        erasure_id: erasureId,
        pass,
        removed: Object.fromEntries(removals),
      });
      return recheckAfter;
    } catch (error) {
      this.finished.inc({ pass, outcome: 'failed' });
      this.logger.error(
        { err: error, tenant_id: tenantId, erasure_id: erasureId, pass },
        'erasure pass failed',
      );
      await this.tenantContext
        .runInTenant(
          tenantId,
          async () => {
            await this.requests.markFailed(erasureId, (error as Error).message);
            await this.audit.record(
              {
                action: 'privacy.erasure_failed',
                resourceType: 'erasure',
                resourceId: erasureId,
                details: { subject_digest: request.subjectDigest, pass },
              },
              actor,
            );
          },
          actor,
        )
        .catch((failure: unknown) =>
          this.logger.error(
            { err: failure, tenant_id: tenantId },
            'could not record a failed erasure',
          ),
        );
      throw error;
    }
  }

  /** Each store's removal, PostgreSQL first. */
  private async erase(
    request: ErasureRequest,
  ): Promise<['postgres' | 'clickhouse', StoreRemoval][]> {
    const { tenantId, userId, cutoff } = request;
    const removals: ['postgres' | 'clickhouse', StoreRemoval][] = [];
    const postgres = await this.postgres.eraseUser(tenantId, userId!, cutoff);
    // Closed days now; today's stays stale (read raw) until the rollup job closes it.
    await this.refresher.refreshDays(tenantId, closedDays(postgres.days));
    removals.push(['postgres', { events: postgres.events, rollup_days: postgres.days.length }]);
    if (this.clickhouse) {
      const clickhouse = await this.clickhouse.eraseUser(tenantId, userId!, cutoff);
      removals.push([
        'clickhouse',
        { events: clickhouse.events, rollup_days: clickhouse.days.length },
      ]);
    }
    // The user's events may be on any day: every cached answer of the tenant goes.
    await this.moduleRef.get(DataVersionsStore, { strict: false }).bumpTenant(tenantId);
    return removals;
  }
}

/** The audit log's actor for the job's entries: whoever asked for the erasure. */
function requesterOf(request: ErasureRequest): Actor {
  const known = ['user', 'api_key', 'platform_admin'] as const;
  const type = known.find((kind) => kind === request.requestedByType) ?? 'anonymous';
  return { type, id: request.requestedBy, ip: null, userAgent: null };
}

/** The running totals per store after one more pass. */
function addRemovals(
  before: ErasureRequest['removed'],
  pass: ['postgres' | 'clickhouse', StoreRemoval][],
): ErasureRequest['removed'] {
  const after = { ...before };
  for (const [store, removal] of pass) {
    const previous = after[store] ?? { events: 0, rollup_days: 0 };
    after[store] = {
      events: previous.events + removal.events,
      rollup_days: previous.rollup_days + removal.rollup_days,
    };
  }
  return after;
}
