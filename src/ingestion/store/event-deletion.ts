/**
 * What deleting events did in one store: rows removed, and the UTC days ('YYYY-MM-DD') whose
 * rollups were recomputed because of it. Shared by erasure and retention; the stores' own
 * deletion code lives in postgres-event-deletion.ts and clickhouse-event-deletion.ts.
 */
export interface ErasureOutcome {
  store: 'postgres' | 'clickhouse';
  events: number;
  rollupDays: string[];
}

/** Retention's work in one store for a set of tenants: events and rollup rows removed. */
export interface RetentionOutcome {
  events: number;
  rollupRows: number;
}

/** Rows per PostgreSQL delete transaction: short locks, and progress in between. */
export const DELETE_BATCH_ROWS = 5_000;

/** 'YYYY-MM-DD HH:MM:SS' in UTC, whole seconds: how both stores are given an instant here. */
export function utcSeconds(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/** The UTC day of an instant, 'YYYY-MM-DD'. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
