import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whether the store reads of the running work may yield to everyone else's: a tenant's 2nd and
 * later analytics queries running at once (FairQueryService). ClickHouse runs them as the
 * low-priority reader; the rest of the app never sets it.
 */
export type QueryPriority = 'normal' | 'background';

const priorities = new AsyncLocalStorage<QueryPriority>();

/** Runs `work` with `priority` for every store read inside it. */
export function runWithQueryPriority<T>(
  priority: QueryPriority,
  work: () => Promise<T>,
): Promise<T> {
  return priorities.run(priority, work);
}

/** The priority of the running work: normal unless told. */
export function currentQueryPriority(): QueryPriority {
  return priorities.getStore() ?? 'normal';
}
