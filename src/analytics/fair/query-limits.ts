import { AsyncLocalStorage } from 'node:async_hooks';

/** The per-query limits of the tenant whose analytics query is running (its plan's terms). */
export interface QueryLimits {
  /** Wall time one store query may take. */
  seconds: number;
  /** Rows one store query may read, where the store can stop it. */
  rowsPerQuery: number;
}

const limits = new AsyncLocalStorage<QueryLimits>();

/** Runs `work` with the tenant's limits in force for every store read inside it. */
export function runWithQueryLimits<T>(
  queryLimits: QueryLimits,
  work: () => Promise<T>,
): Promise<T> {
  return limits.run(queryLimits, work);
}

/** The limits of the running analytics query; undefined outside one (jobs, tests). */
export function currentQueryLimits(): QueryLimits | undefined {
  return limits.getStore();
}
