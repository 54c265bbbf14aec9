import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { DataSource, QueryRunner } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { InvalidInputException } from '../../common/field-error';
import {
  type Placement,
  PlacementDirectory,
  PlacementPools,
} from '../../database/placements/placement';
import { PlatformDatabase } from '../../database/platform.database';
import { PlacementMirrorRepository } from '../placements/placement-mirror.repository';
import { PlacementMirrorService } from '../placements/placement-mirror.service';
import { TenantHoldsStore } from '../scope/tenant-holds.store';
import {
  APPEND_ONLY_TABLES,
  BEFORE_FLIP,
  HEARTBEAT_MS,
  HOLD_BUDGET_MS,
  HOLD_TRIES,
  MoveAbortedError,
  type MoveState,
  STALE_AFTER_MS,
  type TableChecksum,
  type TenantMoveRow,
} from './tenant-move';
import { TenantMovesRepository } from './tenant-moves.repository';
import {
  checksum,
  clearRows,
  databaseName,
  ensureEventPartitions,
  fenceTenant,
  flipPlacement,
  inTransaction,
  movedTables,
  tenantTables,
  READ_WRITE,
  scopeToTenant,
  SNAPSHOT,
  snapshotHorizon,
  streamRows,
  writeRows,
} from './tenant-move-rows.repository';

export const TENANT_MOVES = 'tenantry_tenant_moves_total';
export const TENANT_MOVE_HOLD_SECONDS = 'tenantry_tenant_move_hold_seconds';
export const TENANT_MOVE_ROWS = 'tenantry_tenant_move_rows_copied_total';

const SYSTEM = { type: 'system' as const, id: 'tenant-move', ip: null, userAgent: null };

/** Where a move runs: both placements, their platform connections, the databases to mark. */
interface MoveSides {
  from: Placement;
  to: Placement;
  source: DataSource;
  target: DataSource;
  /** The databases other than control that hold a marker copy of the move row. */
  markers: DataSource[];
}

/**
 * Online move of a tenant's PostgreSQL rows to another placement (issue 18, item 3): a copy of a
 * snapshot, a catch-up, then a hold of at most 5 s during which the tenant's writes pause, the
 * source is fenced (the exclusive form of the advisory lock every tenant transaction takes shared),
 * the last writes are copied, both sides are checksummed, and the control row is flipped. Then
 * the source is purged. A move that dies before the flip is rolled back (the target's rows of
 * the tenant deleted): nothing about the tenant's placement changed, so it stays whole where it was.
 */
@Injectable()
export class TenantMoveService {
  private readonly logger = new Logger(TenantMoveService.name);
  /**
   * Audit entries of steps taken under the fence, written once it is released: the entries go
   * through the app's pool, which the tenant's requests waiting at the fence may be holding.
   */
  private deferred?: (() => Promise<void>)[];

  constructor(
    private readonly moves: TenantMovesRepository,
    private readonly holds: TenantHoldsStore,
    private readonly platformAudit: PlatformAuditService,
    @InjectMetric(TENANT_MOVES) private readonly movesTotal: Counter<string>,
    @InjectMetric(TENANT_MOVE_HOLD_SECONDS) private readonly holdSeconds: Histogram<string>,
    @InjectMetric(TENANT_MOVE_ROWS) private readonly rowsCopied: Counter<string>,
    private readonly directory: PlacementDirectory,
    private readonly pools: PlacementPools,
    private readonly mirror: PlacementMirrorService,
    private readonly copies: PlacementMirrorRepository,
    private readonly platform: PlatformDatabase,
    private readonly tenantAudit: AuditService,
  ) {}

  /** POST /admin/tenants/:id/move: checks, then a queued move row. */
  async request(tenantId: string, placementName: string): Promise<TenantMoveRow> {
    const status = await this.moves.tenantStatus(tenantId);
    if (!status || status === 'purged') throw new NotFoundException('No such tenant');
    if (!this.holds.enabled) {
      throw new ConflictException(
        'Tenant moves need Redis (REDIS_URL): writes are held through it',
      );
    }
    const to = await this.directory.byName(placementName);
    if (!to || to.status !== 'active') {
      throw new InvalidInputException([
        { field: 'placement', message: `placement must name an active placement` },
      ]);
    }
    if (status !== 'active' && status !== 'suspended') {
      throw new ConflictException(`The tenant is ${status}: only a live tenant moves`);
    }
    const { placement: from } = await this.directory.of(tenantId);
    if (from.id === to.id) throw new ConflictException(`The tenant is already on ${to.name}`);
    if (
      from.clickhouseDatabase !== to.clickhouseDatabase ||
      from.clickhouseCluster !== to.clickhouseCluster
    ) {
      // Moving ClickHouse rows between targets (plan §5.3) is not built yet: refuse, never
      // leave the tenant's analytics behind.
      throw new ConflictException(
        'The placements have different ClickHouse targets: moving ClickHouse data is not supported yet',
      );
    }
    const [sourceDatabase, targetDatabase] = await Promise.all(
      [from, to].map(async (p) => databaseName(await this.pools.dataSource(p, 'platform'))),
    );
    if (sourceDatabase === targetDatabase) {
      throw new ConflictException('Both placements use a database of the same name');
    }
    const move = await this.moves.create({
      tenantId,
      from: from.id,
      to: to.id,
      sourceDatabase,
      targetDatabase,
    });
    await this.audit(move, 'queued', { from: from.name, to: to.name });
    return move;
  }

  async find(tenantId: string, moveId: string): Promise<TenantMoveRow> {
    const move = await this.moves.find(tenantId, moveId);
    if (!move) throw new NotFoundException('No such move of this tenant');
    return move;
  }

  /** Runs a queued move to its end (done, or rolled back and the error recorded). */
  async run(moveId: string): Promise<TenantMoveRow | undefined> {
    const move = await this.moves.byId(moveId);
    if (!move || move.state !== 'queued') return move;
    const sides = await this.sides(move);
    const heartbeat = setInterval(() => {
      this.moves.heartbeat(move.id).catch(() => undefined);
    }, HEARTBEAT_MS);
    const phases: Record<string, number> = {};
    try {
      const tables = await movedTables(sides.source);
      let started = Date.now();
      await this.step(move, ['queued'], 'copying', sides, { attempts: move.attempts + 1 });
      await this.mirrorToTarget(move.moved_tenant_id, sides);
      await this.ensurePartitions(move, sides);
      const copied: Record<string, number> = {};
      let horizon = await this.copySnapshot(move, sides, tables, copied);
      phases.copy_ms = Date.now() - started;
      await this.step(move, ['copying'], 'catching_up', sides, {
        snapshot: { tables: copied, horizon, phases_ms: phases },
      });
      for (let attempt = 1; ; attempt++) {
        started = Date.now();
        await this.ensurePartitions(move, sides);
        horizon = await this.catchUp(move, sides, tables, horizon);
        phases[`catch_up_${attempt}_ms`] = Date.now() - started;
        if (await this.holdAndFlip(move, sides, tables, horizon)) break;
        if (attempt >= HOLD_TRIES) {
          throw new MoveAbortedError(
            `hold_budget: ${HOLD_TRIES} holds ran over ${HOLD_BUDGET_MS} ms`,
          );
        }
        await this.step(move, ['holding', 'verifying'], 'catching_up', sides);
      }
      await this.auditMoved(move, sides);
      started = Date.now();
      await this.purgeSource(move, sides);
      phases.purge_ms = Date.now() - started;
      await this.step(move, ['purging'], 'done', sides, {
        snapshot: { ...move.snapshot, phases_ms: phases },
        finished: true,
      });
      return move;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (BEFORE_FLIP.includes(move.state)) {
        this.logger.warn(
          { tenant_id: move.moved_tenant_id, move_id: move.id, err: message },
          'tenant move aborted before its flip; rolling back',
        );
        await this.rollback(move, sides, message);
      } else {
        // After the flip the tenant lives on the target; the reconciler finishes the purge.
        this.logger.error(
          { tenant_id: move.moved_tenant_id, move_id: move.id, err: message },
          'tenant move failed after its flip; the reconciler resumes the purge',
        );
      }
      return move;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Moves whose runner died (no heartbeat for 30 s): before the flip, rolled back (the tenant
   * never left its placement); after it, the source's purge is finished.
   */
  async reconcile(): Promise<{ rolled_back: number; purged: number }> {
    const result = { rolled_back: 0, purged: 0 };
    for (const move of await this.moves.stale(STALE_AFTER_MS)) {
      const sides = await this.sides(move);
      if (await this.isOnTarget(move)) {
        // The flip committed and its runner died before recording it: finish, never roll back.
        await this.step(move, [...BEFORE_FLIP, 'flipped', 'purging'], 'flipped', sides);
      }
      if (BEFORE_FLIP.includes(move.state) || move.state === 'rolling_back') {
        await this.rollback(
          move,
          sides,
          move.error ?? 'the move’s runner stopped (no heartbeat for 30 s)',
        );
        result.rolled_back++;
      } else {
        // A runner killed between its flip and the end of its hold: end the hold now.
        await this.holds.release(move.moved_tenant_id, move.id).catch(() => undefined);
        if (move.state !== 'purging') await this.auditMoved(move, sides);
        await this.purgeSource(move, sides);
        await this.step(move, ['purging'], 'done', sides, { finished: true });
        result.purged++;
      }
    }
    return result;
  }

  /** Phase 1: every table from one REPEATABLE READ snapshot, parents first; its horizon. */
  private async copySnapshot(
    move: TenantMoveRow,
    sides: MoveSides,
    tables: string[],
    copied: Record<string, number>,
  ): Promise<string> {
    const tenantId = move.moved_tenant_id;
    return inTransaction(sides.source, SNAPSHOT, async (snapshot) => {
      await scopeToTenant(snapshot, tenantId);
      const horizon = await snapshotHorizon(snapshot);
      for (const table of [...tables].reverse()) {
        copied[table] = await streamRows(snapshot, tenantId, table, null, async (rows) => {
          await writeRows(sides.target, tenantId, table, rows, false);
          this.rowsCopied.inc({ phase: 'copy' }, rows.length);
        });
        // Progress: rows copied per table so far, in the move row.
        await this.moves.transition(move, ['copying'], 'copying', [], {
          snapshot: { tables: copied, horizon },
        });
      }
      return horizon;
    });
  }

  /** Phase 1b: the rows written since the last pass, upserted, from a new snapshot. */
  private async catchUp(
    move: TenantMoveRow,
    sides: MoveSides,
    tables: string[],
    horizon: string,
  ): Promise<string> {
    const tenantId = move.moved_tenant_id;
    return inTransaction(sides.source, SNAPSHOT, async (snapshot) => {
      await scopeToTenant(snapshot, tenantId);
      const next = await snapshotHorizon(snapshot);
      for (const table of [...tables].reverse()) {
        await streamRows(snapshot, tenantId, table, horizon, async (rows) => {
          await writeRows(sides.target, tenantId, table, rows, true);
          this.rowsCopied.inc({ phase: 'catch_up' }, rows.length);
        });
      }
      return next;
    });
  }

  /**
   * The hold: writes paused everywhere, the source fenced, the last rows copied, both sides
   * checksummed, the placement flipped. False (and nothing flipped) when it ran over budget.
   */
  private async holdAndFlip(
    move: TenantMoveRow,
    sides: MoveSides,
    tables: string[],
    horizon: string,
  ): Promise<boolean> {
    const tenantId = move.moved_tenant_id;
    await this.step(move, ['catching_up'], 'holding', sides, { holdStarted: true });
    const started = Date.now();
    if (!(await this.holds.hold(tenantId, move.id))) {
      throw new MoveAbortedError('another hold is on this tenant');
    }
    const overBudget = () => Date.now() - started > HOLD_BUDGET_MS;
    // Where the hold's time went, for the audit entry (ms since the hold began, per step).
    const timeline: Record<string, number> = {};
    const mark = (step: string) => (timeline[step] = Date.now() - started);
    let flipped: boolean;
    this.deferred = [];
    try {
      flipped = await inTransaction(sides.source, READ_WRITE, async (fence) => {
        // Waits for the tenant's transactions in flight (they hold the lock shared); blocks new ones.
        await fenceTenant(fence, tenantId);
        mark('fenced');
        await scopeToTenant(fence, tenantId);
        const checks = await inTransaction(sides.target, READ_WRITE, async (target) => {
          // Small mutable tables again whole (deletes included), children cleared first.
          for (const table of tables) {
            if (!APPEND_ONLY_TABLES.has(table)) await clearRows(target, tenantId, table);
          }
          mark('cleared');
          for (const table of [...tables].reverse()) {
            const since = APPEND_ONLY_TABLES.has(table) ? horizon : null;
            await streamRows(fence, tenantId, table, since, async (rows) => {
              await writeRows(target, tenantId, table, rows, true);
              this.rowsCopied.inc({ phase: 'hold' }, rows.length);
            });
            mark(`copied ${table}`);
            if (overBudget()) return undefined;
          }
          await this.step(move, ['holding'], 'verifying', sides);
          const sums: Record<string, { source: TableChecksum; target: TableChecksum }> = {};
          for (const table of tables) {
            // The two sides on their own connections (often their own servers): at once.
            const [source, copy] = await Promise.all([
              checksum(fence, tenantId, table),
              checksum(target, tenantId, table),
            ]);
            sums[table] = { source, target: copy };
            if (source.count !== copy.count || source.sum !== copy.sum) {
              throw new MoveAbortedError(
                `verify: ${table} differs (source ${source.count} rows, target ${copy.count})`,
              );
            }
            if (overBudget()) return undefined;
          }
          mark('verified');
          // A siloed target's copy of the tenant row (the mirror's), with the epoch the flip is
          // about to give it, so the first transaction routed there passes its epoch check.
          // Should the flip not happen, the copy is unused (the tenant is routed by the control
          // row) and replaced by the next attempt or removed by the rollback.
          if (!sides.to.isControl) {
            await this.copies.upsertTenant(target, await this.flippedRow(move, sides, fence));
          }
          return sums;
        });
        if (!checks) return false;
        const epoch = await this.flip(move, sides, fence);
        this.logger.log(
          { tenant_id: tenantId, move_id: move.id, epoch, hold_ms: Date.now() - started },
          'tenant placement flipped',
        );
        move.checks = checks;
        return true;
      });
      // Only once the flip is committed does the move row say so (the purge of the source
      // needs it). Dying in between leaves it `verifying` with the tenant on the target: the
      // reconciler reads the control row, not this one, to tell which side is live.
      if (flipped) {
        await this.step(move, ['verifying'], 'flipped', sides, {
          checks: move.checks,
          hold_ms: Date.now() - started,
        });
      }
    } finally {
      const deferred = this.deferred;
      this.deferred = undefined;
      for (const write of deferred) await write();
      await this.holds
        .release(tenantId, move.id)
        .catch((error: Error) =>
          this.logger.warn(
            { tenant_id: tenantId, err: error.message },
            'could not end a hold; it expires by itself',
          ),
        );
      this.directory.forget(tenantId);
    }
    const holdMs = Date.now() - started;
    this.holdSeconds.observe(holdMs / 1000);
    await this.audit(move, flipped ? 'hold_ended' : 'hold_over_budget', {
      hold_ms: holdMs,
      timeline,
      checks: flipped ? move.checks : undefined,
    });
    return flipped;
  }

  /**
   * The one control UPDATE that moves the tenant: placement and epoch+1. When the source is the
   * control database it runs inside the fence's transaction, which commits it. A siloed source's
   * copy of the row gets the new epoch first, in the fence's transaction, so the transactions
   * waiting at the fence there find the tenant moved once it commits (a control commit alone
   * would leave them an old copy to pass the fence with).
   */
  private async flip(move: TenantMoveRow, sides: MoveSides, fence: QueryRunner): Promise<number> {
    const flipped = await this.flippedRow(move, sides, fence);
    if (!sides.from.isControl) await this.copies.upsertTenant(fence, flipped);
    const control = sides.from.isControl ? fence : this.moves.control;
    const epoch = await flipPlacement(
      control,
      move.moved_tenant_id,
      move.from_placement,
      move.to_placement,
    );
    if (epoch === undefined)
      throw new MoveAbortedError('the tenant left its placement during the move');
    if (epoch !== flipped.placement_epoch) {
      throw new MoveAbortedError(`the tenant's epoch changed during the hold (now ${epoch})`);
    }
    return epoch;
  }

  /** The tenant's control row as the flip leaves it: the target placement, epoch + 1. */
  private async flippedRow(
    move: TenantMoveRow,
    sides: MoveSides,
    fence: QueryRunner,
  ): Promise<{ placement_id: string; placement_epoch: number }> {
    const control = sides.from.isControl ? fence : this.moves.control;
    const row = (await this.copies.controlTenant(control, move.moved_tenant_id)) as {
      placement_epoch: number;
    } | null;
    if (!row) throw new MoveAbortedError('the tenant is gone');
    return { ...row, placement_id: move.to_placement, placement_epoch: row.placement_epoch + 1 };
  }

  /**
   * Deletes the tenant's rows from the source, rollups included, children first (resumable:
   * deletes repeat).
   */
  private async purgeSource(move: TenantMoveRow, sides: MoveSides): Promise<void> {
    await this.step(move, ['flipped', 'purging'], 'purging', sides);
    const removed: Record<string, number> = {};
    for (const table of await tenantTables(sides.source))
      removed[table] = await clearRows(sides.source, move.moved_tenant_id, table);
    // A siloed source's copy of the tenant row goes last (its rows pointed at it).
    if (!sides.from.isControl) {
      removed.tenants = await clearRows(sides.source, move.moved_tenant_id, 'tenants');
    }
    await this.audit(move, 'purged_source', { removed });
  }

  /** Before the flip: the target's rows of the tenant deleted; the tenant never left. */
  private async rollback(move: TenantMoveRow, sides: MoveSides, reason: string): Promise<void> {
    await this.holds.release(move.moved_tenant_id, move.id).catch(() => undefined);
    // The control row decides where the tenant lives: never clear the side it is on.
    if (await this.isOnTarget(move)) {
      this.logger.error(
        { tenant_id: move.moved_tenant_id, move_id: move.id, err: reason },
        'tenant move failed after its flip committed; the reconciler finishes it',
      );
      return;
    }
    if (
      !(await this.step(move, [...BEFORE_FLIP, 'rolling_back'], 'rolling_back', sides, {
        error: reason,
      }))
    )
      return;
    for (const table of await tenantTables(sides.target)) {
      await clearRows(sides.target, move.moved_tenant_id, table);
    }
    if (!sides.to.isControl) await clearRows(sides.target, move.moved_tenant_id, 'tenants');
    await this.step(move, ['rolling_back'], 'rolled_back', sides, { finished: true });
  }

  /** Whether the control row already names the move's target (its flip committed). */
  private async isOnTarget(move: TenantMoveRow): Promise<boolean> {
    this.directory.forget(move.moved_tenant_id);
    const { placement } = await this.directory.of(move.moved_tenant_id);
    return placement.id === move.to_placement;
  }

  private async ensurePartitions(move: TenantMoveRow, sides: MoveSides): Promise<void> {
    const [sourceApp, targetApp] = await Promise.all([
      this.pools.dataSource(sides.from, 'app'),
      this.pools.dataSource(sides.to, 'app'),
    ]);
    await ensureEventPartitions(sourceApp, targetApp, move.moved_tenant_id);
  }

  /**
   * A siloed target gets the mirror's copies before any row of the tenant: every plan version
   * and the tenant's control row (its foreign keys point at them). Control needs neither.
   */
  private async mirrorToTarget(tenantId: string, sides: MoveSides): Promise<void> {
    if (sides.to.isControl) return;
    await this.mirror.syncPlans(sides.to);
    const row = await this.copies.controlTenant(this.moves.control, tenantId);
    if (!row) throw new MoveAbortedError('the tenant is gone');
    await this.copies.upsertTenant(sides.target, row);
  }

  /** A state change, here and in the marker databases, with its platform audit entry. */
  private async step(
    move: TenantMoveRow,
    from: readonly MoveState[],
    state: MoveState,
    sides: MoveSides,
    set: Parameters<TenantMovesRepository['transition']>[4] = {},
  ): Promise<boolean> {
    const changed = await this.moves.transition(move, from, state, sides.markers, set);
    if (!changed) {
      if (state === 'rolling_back') return false;
      throw new MoveAbortedError(`the move is ${move.state} elsewhere, not ${from.join('/')}`);
    }
    this.movesTotal.inc({ state });
    await this.audit(move, state, {
      tables: state === 'catching_up' || state === 'done' ? move.snapshot.tables : undefined,
      hold_ms: move.hold_ms ?? undefined,
      error: move.error ?? undefined,
    });
    return true;
  }

  private async sides(move: TenantMoveRow): Promise<MoveSides> {
    const [from, to] = await Promise.all([
      this.directory.byId(move.from_placement),
      this.directory.byId(move.to_placement),
    ]);
    if (!from || !to) throw new Error(`move ${move.id}: a placement is gone`);
    const [source, target] = await Promise.all([
      this.pools.dataSource(from, 'platform'),
      this.pools.dataSource(to, 'platform'),
    ]);
    const markers = [from.isControl ? undefined : source, to.isControl ? undefined : target];
    return { from, to, source, target, markers: markers.filter((m): m is DataSource => !!m) };
  }

  /**
   * `tenant.moved` in the tenant's own audit log, on its new placement (the tenant's owners see
   * where their data went and when), after the flip committed.
   */
  private async auditMoved(move: TenantMoveRow, sides: MoveSides): Promise<void> {
    // No actor, as the other platform jobs write the tenant's log (anonymous, no id).
    await this.platform
      .runInTenant(move.moved_tenant_id, () =>
        this.tenantAudit.record({
          action: 'tenant.moved',
          resourceType: 'tenant',
          resourceId: move.moved_tenant_id,
          details: {
            move_id: move.id,
            from: sides.from.name,
            to: sides.to.name,
            hold_ms: move.hold_ms,
          },
        }),
      )
      .catch((error: Error) =>
        this.logger.error(
          { tenant_id: move.moved_tenant_id, move_id: move.id, err: error.message },
          'could not write tenant.moved to the tenant audit log',
        ),
      );
  }

  private async audit(
    move: TenantMoveRow,
    state: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.platformAudit
      .record(
        {
          action: `tenant.move.${state}`,
          resourceType: 'tenant',
          resourceId: move.moved_tenant_id,
          details: { move_id: move.id, ...details },
        },
        SYSTEM,
      )
      .catch((error: Error) =>
        this.logger.warn(
          { tenant_id: move.moved_tenant_id, err: error.message },
          'could not audit a tenant move step',
        ),
      );
  }
}
