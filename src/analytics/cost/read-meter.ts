import { AsyncLocalStorage } from 'node:async_hooks';

/** What the queries of one analytics request read, as the store reported it. */
export interface ReadTotals {
  rowsRead: number;
  bytesRead: number;
}

interface Meter {
  /** Per-query reports (ClickHouse's statistics), summed. */
  queries: ReadTotals;
  /** Per-transaction running totals (PostgreSQL's pg_stat_xact), the latest of each. */
  transactions: Map<object, ReadTotals>;
}

const meters = new AsyncLocalStorage<Meter>();

/**
 * Runs `work` with a fresh meter that every store read inside it reports to. Async-local, so
 * the parallel queries of one request add up and concurrent requests never mix.
 */
export async function meterReads<T>(
  work: () => Promise<T>,
): Promise<{ result: T; reads: ReadTotals }> {
  const meter: Meter = { queries: { rowsRead: 0, bytesRead: 0 }, transactions: new Map() };
  const result = await meters.run(meter, work);
  const reads = { ...meter.queries };
  for (const totals of meter.transactions.values()) {
    reads.rowsRead += totals.rowsRead;
    reads.bytesRead += totals.bytesRead;
  }
  return { result, reads };
}

/** Adds one query's reads to the current request's meter; a no-op outside one (tests, jobs). */
export function recordRead(rowsRead: number, bytesRead: number): void {
  const meter = meters.getStore();
  if (!meter) return;
  meter.queries.rowsRead += rowsRead;
  meter.queries.bytesRead += bytesRead;
}

/**
 * Notes a transaction's running totals after one of its queries. The counters only grow, so
 * keeping the largest seen is right however parallel queries on the connection interleave.
 */
export function recordTransactionReads(transaction: object, totals: ReadTotals): void {
  const meter = meters.getStore();
  if (!meter) return;
  const seen = meter.transactions.get(transaction);
  meter.transactions.set(transaction, {
    rowsRead: Math.max(seen?.rowsRead ?? 0, totals.rowsRead),
    bytesRead: Math.max(seen?.bytesRead ?? 0, totals.bytesRead),
  });
}

/** True inside meterReads(): stores skip the extra counting query when nobody is metering. */
export function isMetering(): boolean {
  return meters.getStore() !== undefined;
}
