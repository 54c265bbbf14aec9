import type Redis from 'ioredis';

/** Keys per SCAN step and per UNLINK. */
const BATCH = 500;

/**
 * The key families computed from the stores, which a restore makes stale: analytics results and
 * data versions, and the quota counters (a cold counter is seeded again from usage_daily). Not
 * the quota warning markers (`quota:warned:…`): the warning was sent, and a restore does not
 * unsend it. Query slots are leases of running queries, not data, and expire by themselves.
 */
export function computedKeyPatterns(database: string): { match: string; keep?: string }[] {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error('not a database name');
  const ns = `tenantry:${database}:`;
  return [
    { match: `${ns}analytics:cache:*` },
    { match: `${ns}analytics:versions:*` },
    { match: `${ns}quota:*`, keep: `${ns}quota:warned:` },
  ];
}

/**
 * Deletes the computed key families of this database's namespace: SCAN and UNLINK in batches
 * (never FLUSHDB: deployments and test runs share a Redis). Answers the keys deleted per family.
 */
export async function deleteComputedKeys(
  redis: Redis,
  database: string,
  progress: (deleted: number) => void = () => undefined,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const { match, keep } of computedKeyPatterns(database)) {
    deleted[match] = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', BATCH);
      cursor = next;
      const doomed = keep ? keys.filter((key) => !key.startsWith(keep)) : keys;
      if (doomed.length > 0) {
        deleted[match] += await redis.unlink(...doomed);
        progress(deleted[match]);
      }
    } while (cursor !== '0');
  }
  return deleted;
}
