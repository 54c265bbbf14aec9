import { randomUUID } from 'node:crypto';
import { requestSignal, runWithSignal } from '../../common/request-abort';
import type { ClickHouseEventStore } from '../../ingestion/store/clickhouse-event.store';
import { stringLiteral } from '../../ingestion/store/clickhouse/sql-literal';
import { queryRowsExceeded } from './store-limits';

/** How often a running read's rows are checked against the tenant's cap. */
export const ROWS_WATCH_INTERVAL_MS = 250;

/**
 * A ClickHouse read stopped once it has read more than `rowsCap` rows: the tenant's rows per
 * query. The reader is readonly=1, which keeps any query from changing its own settings (and so
 * from lifting the profile's limits), but also from lowering max_rows_to_read per query, and
 * 18.16 has no settings constraints (19.x) that would allow only lowering. So the app watches:
 * every ROWS_WATCH_INTERVAL_MS while the read runs it reads the query's read_rows from
 * system.processes (found by a marker comment), and past the cap aborts it, which kills it on
 * the server (KILL QUERY by its id, as for a client that left): 422 naming
 * `analytics_rows_per_query`. A read shorter than one interval is never checked: it was cheap.
 * The profile's max_rows_to_read stays the ceiling for every tenant.
 *
 * On a cluster the read and the watch both go to the tenant's shard (`tenantId`), the read's
 * initiator: its system.processes row counts the rows of every shard (measured on 18.16), and
 * killing it there ends the shards' parts too (clickhouse-cluster.e2e-spec.ts).
 */
export async function selectWithinRowsCap<T>(
  store: ClickHouseEventStore,
  sql: string,
  rowsCap: number | undefined,
  tenantId?: string,
): Promise<{ rows: T[]; rowsRead: number; bytesRead: number }> {
  if (rowsCap === undefined) return store.selectWithStatistics<T>(sql, tenantId);
  const marker = `rows-watch:${randomUUID()}`;
  const stop = new AbortController();
  const client = requestSignal();
  const signal = client ? AbortSignal.any([client, stop.signal]) : stop.signal;
  let finished = false;
  let crossed = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      const [row] = await store.select<{ read: string | number }>(
        `SELECT max(read_rows) AS read FROM system.processes
          WHERE query LIKE ${stringLiteral(`%${marker}%`)} AND query NOT LIKE '%system.processes%'`,
        tenantId,
      );
      if (!finished && Number(row?.read ?? 0) > rowsCap) {
        crossed = true;
        stop.abort(new Error(`more than ${rowsCap} rows read`));
        return;
      }
    } catch {
      // The check is best effort; the profile's ceiling still holds.
    }
    if (!finished) timer = setTimeout(() => void check(), ROWS_WATCH_INTERVAL_MS);
  };
  timer = setTimeout(() => void check(), ROWS_WATCH_INTERVAL_MS);
  try {
    return await runWithSignal(signal, () =>
      store.selectWithStatistics<T>(`${sql}\n/* ${marker} */`, tenantId),
    );
  } catch (error) {
    if (crossed) throw queryRowsExceeded(rowsCap);
    throw error;
  } finally {
    finished = true;
    clearTimeout(timer);
  }
}
