import { AsyncLocalStorage } from 'node:async_hooks';

/** Whether an analytics answer came from the result cache: the X-Cache header. */
export type CacheOutcome = 'hit' | 'miss';

const outcomes = new AsyncLocalStorage<{ outcome: CacheOutcome }>();

/**
 * Runs one analytics request, noting where its answer came from (a miss unless told). Nested
 * calls share the outer call's note, so each interceptor of the request (the headers', the
 * query cost log's) sees the outcome whichever of them runs outside the other.
 */
export async function withCacheOutcome<T>(
  work: () => Promise<T>,
): Promise<{ result: T; outcome: CacheOutcome } | { error: unknown; outcome: CacheOutcome }> {
  const state: { outcome: CacheOutcome } = outcomes.getStore() ?? { outcome: 'miss' };
  try {
    return { result: await outcomes.run(state, work), outcome: state.outcome };
  } catch (error) {
    return { error, outcome: state.outcome };
  }
}

/** Notes that the current request's answer came from the cache. */
export function markCacheHit(): void {
  const state = outcomes.getStore();
  if (state) state.outcome = 'hit';
}

/** Where the current request's answer came from (for routes that write their own response). */
export function currentCacheOutcome(): CacheOutcome {
  return outcomes.getStore()?.outcome ?? 'miss';
}
