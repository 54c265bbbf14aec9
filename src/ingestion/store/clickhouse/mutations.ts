import { Logger } from '@nestjs/common';
import { identifier, stringLiteral } from './sql-literal';

/** What a mutation needs of the store: the writer's command and read. */
export interface MutationConnection {
  readonly database: string;
  writerCommand(query: string): Promise<void>;
  writerSelect<T>(query: string): Promise<T[]>;
}

export interface MutationOptions {
  /** Give up (and throw) after this long; the mutation itself keeps running on the server. */
  timeoutMs?: number;
  pollMs?: number;
  /** Carried into the progress log lines. */
  context?: Record<string, unknown>;
}

const logger = new Logger('ClickHouseMutations');

/**
 * Runs `ALTER TABLE <db>.<table> <command>` (a DELETE WHERE …) and waits until the server has
 * applied it to every part. ClickHouse runs mutations in the background and 18.16 has no
 * mutations_sync, so the mutation is found in system.mutations (the ids that were not there
 * before it was sent; waiting on a concurrent one as well costs only time) and polled until
 * is_done. Parts inserted after the mutation was sent are not touched by it (ClickHouse orders
 * mutations after the inserts before them), which the callers rely on.
 */
export async function mutateAndWait(
  connection: MutationConnection,
  table: string,
  command: string,
  options: MutationOptions = {},
): Promise<void> {
  const db = identifier(connection.database);
  const name = identifier(table);
  const where = `database = ${stringLiteral(db)} AND table = ${stringLiteral(name)}`;
  const before = new Set(
    (
      await connection.writerSelect<{ mutation_id: string }>(
        `SELECT mutation_id FROM system.mutations WHERE ${where}`,
      )
    ).map((row) => row.mutation_id),
  );
  await connection.writerCommand(`ALTER TABLE ${db}.${name} ${command}`);
  await awaitMutations(connection, where, (id) => !before.has(id), options);
}

/**
 * Waits for every unfinished mutation of `table` whose command contains `marker` (the literal
 * naming the rows, e.g. a tenant's id), whoever sent it: a purge resumed after a crash waits for
 * the mutation its previous run sent before going on.
 */
export async function awaitPendingMutations(
  connection: MutationConnection,
  table: string,
  marker: string,
  options: MutationOptions = {},
): Promise<void> {
  const where = `database = ${stringLiteral(identifier(connection.database))}
    AND table = ${stringLiteral(identifier(table))}
    AND position(command, ${stringLiteral(marker)}) > 0`;
  await awaitMutations(connection, where, () => true, options);
}

async function awaitMutations(
  connection: MutationConnection,
  where: string,
  counts: (mutationId: string) => boolean,
  { timeoutMs = 15 * 60_000, pollMs = 100, context = {} }: MutationOptions,
): Promise<void> {
  const started = Date.now();
  let lastLog = started;
  for (let delay = pollMs; ; delay = Math.min(delay * 2, 2_000)) {
    const pending = (
      await connection.writerSelect<{ mutation_id: string; parts_to_do: string }>(
        `SELECT mutation_id, parts_to_do FROM system.mutations WHERE ${where} AND is_done = 0`,
      )
    ).filter((row) => counts(row.mutation_id));
    if (pending.length === 0) return;
    const now = Date.now();
    if (now - started > timeoutMs) {
      throw new Error(
        `ClickHouse mutation ${pending[0].mutation_id} not done after ${timeoutMs} ms (${pending[0].parts_to_do} parts to do)`,
      );
    }
    if (now - lastLog > 10_000) {
      lastLog = now;
      logger.log({
        msg: 'waiting for a ClickHouse mutation',
        ...context,
        mutation_id: pending[0].mutation_id,
        parts_to_do: Number(pending[0].parts_to_do),
        waited_ms: now - started,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
