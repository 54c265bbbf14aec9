import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
import Redis from 'ioredis';

/**
 * Fixed-window counters in Redis, so every app copy enforces one shared limit (the default
 * in-memory storage would let each copy allow the whole limit). One Lua script per hit keeps
 * the count and the block atomic. @nest-lab/throttler-storage-redis does this too but does not
 * accept Nest 12 yet.
 */
const INCREMENT = `
local hits_key, block_key = KEYS[1], KEYS[2]
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blocked_for = redis.call('PTTL', block_key)
if blocked_for > 0 then
  return {tonumber(redis.call('GET', hits_key) or limit + 1), redis.call('PTTL', hits_key), 1, blocked_for}
end
local hits = redis.call('INCR', hits_key)
if hits == 1 then redis.call('PEXPIRE', hits_key, ttl) end
local expires_in = redis.call('PTTL', hits_key)
if hits > limit then
  redis.call('SET', block_key, 1, 'PX', block)
  return {hits, expires_in, 1, block}
end
return {hits, expires_in, 0, 0}`;

export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis;

  /** `namespace`: the database name, so deployments and test runs sharing a Redis never share counters. */
  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
    });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `tenantry:${this.namespace}:throttle:${throttlerName}:${key}`;
    try {
      const [hits, expiresInMs, blocked, blockedForMs] = (await this.redis.eval(
        INCREMENT,
        2,
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
      )) as [number, number, number, number];
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(expiresInMs / 1000)),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.max(0, Math.ceil(blockedForMs / 1000)),
      };
    } catch (error) {
      // Redis down: let the request through rather than lock everybody out, and say so.
      this.logger.warn({ err: error }, 'rate-limit storage unavailable; request not counted');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
