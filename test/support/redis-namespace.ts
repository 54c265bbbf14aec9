import type Redis from 'ioredis';

/**
 * Deletes every key of one database's Redis namespaces (`tenantry:<db>:*`, BullMQ's
 * `bull:<db>:*`) by SCAN: never KEYS, never FLUSHDB, since other runs share the server.
 * Returns how many keys were deleted.
 */
export async function deleteRedisNamespace(redis: Redis, database: string): Promise<number> {
  let removed = 0;
  for (const pattern of [`tenantry:${database}:*`, `bull:${database}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return removed;
}
