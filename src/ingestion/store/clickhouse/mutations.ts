import { setTimeout as delay } from 'node:timers/promises';
import { stringLiteral } from './sql-literal';

/** What waiting on mutations needs of a client: one read. */
export type MutationReader = <T>(query: string) => Promise<T[]>;

/**
 * Waits until every mutation of `table` whose command contains `marker` (the literal that names
 * the rows, a tenant's toUUID('…')) is done, polling system.mutations: ALTER … DELETE returns
 * before the parts are rewritten, on 18.16 as on current servers (both have `is_done`). Throws
 * after `timeoutMs`, so a stuck mutation fails the step (it is retried) rather than hanging.
 */
export async function awaitMutations(
  read: MutationReader,
  database: string,
  table: string,
  marker: string,
  timeoutMs = 10 * 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 2_000)) {
    const [row] = await read<{ pending: string }>(
      `SELECT count() AS pending FROM system.mutations
        WHERE database = ${stringLiteral(database)} AND table = ${stringLiteral(table)}
          AND is_done = 0 AND position(command, ${stringLiteral(marker)}) > 0`,
    );
    if (Number(row?.pending ?? 0) === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`ClickHouse mutation on ${database}.${table} not done after ${timeoutMs} ms`);
    }
    await delay(wait);
  }
}
