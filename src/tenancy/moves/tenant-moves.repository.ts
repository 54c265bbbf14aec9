import { ConflictException, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PlatformDatabase } from '../../database/platform.database';
import { FINISHED, type MoveState, type TenantMoveRow } from './tenant-move';

const COLUMNS =
  'id, moved_tenant_id, from_placement, to_placement, state, snapshot, checks, attempts, ' +
  'hold_started_at, hold_ms, error, source_database, target_database, heartbeat_at, ' +
  'created_at, finished_at';

/**
 * tenant_moves in the control database (platform role), and the marker copies of a row in the
 * other databases a move touches: the move's SECURITY DEFINER functions look only in their own
 * database, so each must know the move's current state.
 */
@Injectable()
export class TenantMovesRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /** A new queued move; 409 when the tenant already has an open one. */
  async create(values: {
    tenantId: string;
    from: string;
    to: string;
    sourceDatabase: string;
    targetDatabase: string;
  }): Promise<TenantMoveRow> {
    try {
      const [row] = await this.platform.query<TenantMoveRow[]>(
        `INSERT INTO tenant_moves (moved_tenant_id, from_placement, to_placement, source_database,
                                   target_database)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [values.tenantId, values.from, values.to, values.sourceDatabase, values.targetDatabase],
      );
      return row;
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw new ConflictException('This tenant already has a move under way');
      }
      throw error;
    }
  }

  async find(tenantId: string, moveId: string): Promise<TenantMoveRow | undefined> {
    const [row] = await this.platform.query<TenantMoveRow[]>(
      `SELECT ${COLUMNS} FROM tenant_moves WHERE id = $1 AND moved_tenant_id = $2`,
      [moveId, tenantId],
    );
    return row;
  }

  async byId(moveId: string): Promise<TenantMoveRow | undefined> {
    const [row] = await this.platform.query<TenantMoveRow[]>(
      `SELECT ${COLUMNS} FROM tenant_moves WHERE id = $1`,
      [moveId],
    );
    return row;
  }

  async openMoveOf(tenantId: string): Promise<TenantMoveRow | undefined> {
    const [row] = await this.platform.query<TenantMoveRow[]>(
      `SELECT ${COLUMNS} FROM tenant_moves
        WHERE moved_tenant_id = $1 AND state <> ALL ($2::text[])`,
      [tenantId, FINISHED],
    );
    return row;
  }

  /** Open moves whose runner stopped writing its heartbeat: dead processes' moves. */
  async stale(staleAfterMs: number, limit = 20): Promise<TenantMoveRow[]> {
    return this.platform.query<TenantMoveRow[]>(
      `SELECT ${COLUMNS} FROM tenant_moves
        WHERE state <> ALL ($1::text[]) AND heartbeat_at < now() - make_interval(secs => $2 / 1000.0)
          -- A queued move waits its turn (one move at a time per copy): only a lost job is dead.
          AND (state <> 'queued' OR heartbeat_at < now() - interval '30 minutes')
        ORDER BY heartbeat_at LIMIT $3`,
      [FINISHED, staleAfterMs, limit],
    );
  }

  /**
   * Moves the row to `state` (and sets the given columns) if it is still in one of `from`, here
   * and in every marker database. Returns false when the row was elsewhere (another runner won).
   */
  async transition(
    move: TenantMoveRow,
    from: readonly MoveState[],
    state: MoveState,
    markers: DataSource[],
    set: Partial<Pick<TenantMoveRow, 'snapshot' | 'checks' | 'hold_ms' | 'error' | 'attempts'>> & {
      holdStarted?: boolean;
      finished?: boolean;
    } = {},
  ): Promise<boolean> {
    const [rows] = await this.platform.query<[TenantMoveRow[], number]>(
      `UPDATE tenant_moves
          SET state = $2, heartbeat_at = now(),
              snapshot = coalesce($4::jsonb, snapshot), checks = coalesce($5::jsonb, checks),
              hold_ms = coalesce($6, hold_ms), error = coalesce($7, error),
              attempts = coalesce($8, attempts),
              hold_started_at = CASE WHEN $9 THEN now() ELSE hold_started_at END,
              finished_at = CASE WHEN $10 THEN now() ELSE finished_at END
        WHERE id = $1 AND state = ANY ($3::text[])
        RETURNING ${COLUMNS}`,
      [
        move.id,
        state,
        from,
        set.snapshot ? JSON.stringify(set.snapshot) : null,
        set.checks ? JSON.stringify(set.checks) : null,
        set.hold_ms ?? null,
        set.error ?? null,
        set.attempts ?? null,
        set.holdStarted ?? false,
        set.finished ?? false,
      ],
    );
    const [updated] = rows;
    if (!updated) return false;
    Object.assign(move, updated);
    for (const marker of markers) await this.writeMarker(marker, updated);
    return true;
  }

  async heartbeat(moveId: string): Promise<void> {
    await this.platform.query('UPDATE tenant_moves SET heartbeat_at = now() WHERE id = $1', [
      moveId,
    ]);
  }

  /** The move row's copy in another placement database (same id). */
  async writeMarker(database: DataSource, row: TenantMoveRow): Promise<void> {
    await database.query(
      `INSERT INTO tenant_moves (id, moved_tenant_id, from_placement, to_placement, state,
                                 source_database, target_database, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, heartbeat_at = now()`,
      [
        row.id,
        row.moved_tenant_id,
        row.from_placement,
        row.to_placement,
        row.state,
        row.source_database,
        row.target_database,
        row.created_at,
      ],
    );
  }

  /** The tenant's status in control, or undefined for no such tenant. */
  async tenantStatus(tenantId: string): Promise<string | undefined> {
    const [row] = await this.platform.query<{ status: string }[]>(
      'SELECT status FROM tenants WHERE id = $1',
      [tenantId],
    );
    return row?.status;
  }

  get control(): DataSource {
    return this.platform.dataSource;
  }
}
