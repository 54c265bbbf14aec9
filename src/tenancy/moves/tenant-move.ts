/** The states of a move (tenant_moves.state, migration 1763900000271), in order. */
export const MOVE_STATES = [
  'queued',
  'copying',
  'catching_up',
  'holding',
  'verifying',
  'flipped',
  'purging',
  'done',
  'failed',
  'rolling_back',
  'rolled_back',
] as const;
export type MoveState = (typeof MOVE_STATES)[number];

/** Before the flip: the tenant still lives on the source; a dead move is rolled back. */
export const BEFORE_FLIP: readonly MoveState[] = [
  'queued',
  'copying',
  'catching_up',
  'holding',
  'verifying',
];
export const FINISHED: readonly MoveState[] = ['done', 'failed', 'rolled_back'];

/** Rows a cursor fetch and a target insert carry at once. */
export const CHUNK_ROWS = 5_000;
/**
 * A hold running longer is abandoned before the flip (writes resume, the next try starts from a
 * fresh catch-up). 4 s, not the 5 s promised: the check runs between steps, so an abandoned hold
 * overruns it by its current step, and the writes' 503s by the fence and the release around it.
 */
export const HOLD_BUDGET_MS = 4_000;
/** Holds tried before the move gives up (each after a fresh catch-up). */
export const HOLD_TRIES = 3;
/** A move whose runner has not written its heartbeat for this long is dead. */
export const STALE_AFTER_MS = 30_000;
export const HEARTBEAT_MS = 5_000;

/**
 * Tables whose rows only grow during a move (no deletes: erasure, retention and purge skip a
 * tenant being moved; audit_log is append-only): the held phase copies what changed since the
 * last pass. Every other tenant table is small and mutable, and is copied again whole.
 */
export const APPEND_ONLY_TABLES = new Set(['events', 'audit_log', 'query_costs', 'usage_daily']);
/** Rollups are recomputed on the target (the events insert trigger marks their days stale). */
export const isRollupTable = (table: string): boolean => table.startsWith('event_rollup');

export interface TableChecksum {
  count: number;
  sum: string;
}

export interface TenantMoveRow {
  id: string;
  moved_tenant_id: string;
  from_placement: string;
  to_placement: string;
  state: MoveState;
  snapshot: {
    tables?: Record<string, number>;
    horizon?: string;
    phases_ms?: Record<string, number>;
  };
  checks: Record<string, { source: TableChecksum; target: TableChecksum }>;
  attempts: number;
  hold_started_at: Date | null;
  hold_ms: number | null;
  error: string | null;
  source_database: string;
  target_database: string;
  heartbeat_at: Date;
  created_at: Date;
  finished_at: Date | null;
}

/** Why a move stopped before its flip: recorded in `error`, the tenant stays where it was. */
export class MoveAbortedError extends Error {}
