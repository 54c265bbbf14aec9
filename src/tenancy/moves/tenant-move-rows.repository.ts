import type { DataSource, QueryRunner } from 'typeorm';
import { tenantPlacementLockKey } from '../../database/placements/placement';
import { foreignKeyOrder } from '../lifecycle/tenant-lifecycle.repository';
import { CHUNK_ROWS, isRollupTable, type TableChecksum } from './tenant-move';

/** Either a connection pool or one connection (inside a transaction). */
type Queryable = { query(sql: string, parameters?: unknown[]): Promise<unknown> };

/**
 * The SQL of a move, one tenant and one table at a time, through the SECURITY DEFINER functions
 * of migration 1763900000271 (the platform role has no table rights on most tenant tables). No
 * text of a caller reaches SQL: table names come from the catalogue and go in as parameters.
 */

let cursors = 0;

/**
 * Streams the tenant's rows of `table` (all, or the row versions written since `horizon`, a
 * transaction id) in primary-key order, CHUNK_ROWS at a time, to `onChunk`. Runs in the caller's
 * open transaction on `source`, so a REPEATABLE READ transaction reads one snapshot throughout.
 */
export async function streamRows(
  source: QueryRunner,
  tenantId: string,
  table: string,
  horizon: string | null,
  onChunk: (rows: unknown[]) => Promise<void>,
): Promise<number> {
  const cursor = `move_rows_${process.pid}_${++cursors}`;
  await source.query('SELECT public.move_tenant_rows_cursor($1, $2, $3, $4)', [
    tenantId,
    table,
    cursor,
    horizon,
  ]);
  let total = 0;
  try {
    for (;;) {
      const rows = (await source.query(`FETCH ${CHUNK_ROWS} FROM "${cursor}"`)) as {
        row: unknown;
      }[];
      if (rows.length === 0) break;
      await onChunk(rows.map((r) => r.row));
      total += rows.length;
      if (rows.length < CHUNK_ROWS) break;
    }
  } finally {
    await source.query(`CLOSE "${cursor}"`).catch(() => undefined);
  }
  return total;
}

/** Inserts rows into the target (upsert: a row of the same key is replaced, else skipped). */
export async function writeRows(
  target: Queryable,
  tenantId: string,
  table: string,
  rows: unknown[],
  upsert: boolean,
): Promise<number> {
  const [row] = (await target.query(
    'SELECT public.move_tenant_rows_in($1, $2, $3::jsonb, $4) AS written',
    [tenantId, table, JSON.stringify(rows), upsert],
  )) as { written: string }[];
  return Number(row.written);
}

/** Deletes the tenant's rows of `table` where the move allows it (see the migration). */
export async function clearRows(
  runner: Queryable,
  tenantId: string,
  table: string,
): Promise<number> {
  const [row] = (await runner.query('SELECT public.purge_moved_tenant_rows($1, $2) AS removed', [
    tenantId,
    table,
  ])) as { removed: string }[];
  return Number(row.removed);
}

/** count(*) and sum(hashtextextended(row::text, 0)) of the tenant's rows, in UTC/ISO form. */
export async function checksum(
  runner: Queryable,
  tenantId: string,
  table: string,
): Promise<TableChecksum> {
  const [row] = (await runner.query(
    'SELECT n, sum::text AS sum FROM public.tenant_rows_checksum($1, $2)',
    [tenantId, table],
  )) as { n: string; sum: string }[];
  return { count: Number(row.n), sum: row.sum };
}

/** The oldest transaction still running when this transaction's snapshot was taken. */
export async function snapshotHorizon(runner: QueryRunner): Promise<string> {
  const [row] = (await runner.query(
    'SELECT txid_snapshot_xmin(txid_current_snapshot())::text AS horizon',
  )) as { horizon: string }[];
  return row.horizon;
}

/** Opens a transaction on its own connection; `work` gets the runner, commit on success. */
export async function inTransaction<T>(
  database: DataSource,
  begin: string,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const runner = database.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(begin);
    const result = await work(runner);
    await runner.query('COMMIT');
    return result;
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

export const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
export const READ_WRITE = 'BEGIN';

/** Scopes the connection's transaction to the tenant (RLS), as a tenant transaction does. */
export async function scopeToTenant(runner: Queryable, tenantId: string): Promise<void> {
  await runner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
}

/**
 * The fence: the exclusive form of the lock every tenant transaction of a placement takes shared
 * (the placement core's epoch fence). Waits for the tenant's transactions in flight; new ones
 * wait behind it, then find the placement flipped. Transaction-scoped: safe through PgBouncer.
 */
export async function fenceTenant(runner: Queryable, tenantId: string): Promise<void> {
  await runner.query(`SELECT pg_advisory_xact_lock(${tenantPlacementLockKey('$1')})`, [tenantId]);
}

/**
 * The flip, in the control database: the tenant's placement and epoch+1, only if it is still on
 * `from` and no purge has claimed it (the purge's claim and the flip update the same row, so one
 * waits for the other). Returns the new epoch, or undefined when the tenant was no longer there.
 */
export async function flipPlacement(
  control: Queryable,
  tenantId: string,
  from: string,
  to: string,
): Promise<number | undefined> {
  const result = (await control.query(
    `UPDATE tenants SET placement_id = $2, placement_epoch = placement_epoch + 1
      WHERE id = $1 AND placement_id = $3 AND status NOT IN ('purging', 'purged')
      RETURNING placement_epoch`,
    [tenantId, to, from],
  )) as [{ placement_epoch: number }[], number];
  return result[0]?.[0]?.placement_epoch;
}

export async function databaseName(database: Queryable): Promise<string> {
  const [row] = (await database.query('SELECT current_database() AS name')) as { name: string }[];
  return row.name;
}

/**
 * The tenant tables a move copies, read from the source's catalogue (a table added later moves
 * without anyone telling the mover), children before parents (the order deletes need; copies go
 * the other way), rollups left out (recomputed on the target).
 */
export async function movedTables(source: Queryable): Promise<string[]> {
  return (await tenantTables(source)).filter((name) => !isRollupTable(name));
}

/**
 * Every tenant table, rollups included, children before parents: what a purge of the tenant's
 * rows from one side clears (its rollups are the tenant's data too, and point at its row).
 */
export async function tenantTables(source: Queryable): Promise<string[]> {
  const tables = (await source.query(
    `SELECT c.relname AS name, c.relkind AS kind
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       JOIN pg_catalog.pg_attribute a
         ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  )) as { name: string; kind: string }[];
  const references = (await source.query(
    `SELECT DISTINCT ch.relname AS child, pa.relname AS parent
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class ch ON ch.oid = k.conrelid
       JOIN pg_catalog.pg_class pa ON pa.oid = k.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = ch.relnamespace AND n.nspname = 'public'
      WHERE k.contype = 'f' AND ch.oid <> pa.oid`,
  )) as { child: string; parent: string }[];
  return foreignKeyOrder(
    tables.map((t) => ({ name: t.name, partitioned: t.kind === 'p' })),
    references,
  ).map((table) => table.name);
}

/**
 * Makes the target's monthly event partitions for every day the tenant has events on the source
 * (and around today, where its new events land). Both on app-role connections: the partition
 * function is the app's (migration 1763900000010), and the source read is the tenant's own.
 */
export async function ensureEventPartitions(
  sourceApp: DataSource,
  targetApp: DataSource,
  tenantId: string,
): Promise<void> {
  const range = await sourceApp.transaction(async (manager) => {
    await scopeToTenant(manager, tenantId);
    const [row] = await manager.query<{ from: string; to: string }[]>(
      `SELECT least(min("timestamp")::date, current_date) - 1 AS from,
              greatest(max("timestamp")::date, current_date) + 1 AS to
         FROM events WHERE tenant_id = $1`,
      [tenantId],
    );
    return row;
  });
  await targetApp.query('SELECT public.ensure_event_partitions($1::date, $2::date)', [
    range.from,
    range.to,
  ]);
}
