import type Redis from 'ioredis';

/**
 * A counting semaphore in Redis whose holders are leases: a sorted set of lease ids scored by
 * the instant each expires (Redis' own clock, TIME, so app copies with skewed clocks share one
 * timeline). A holder renews its lease while its work runs and removes it when done; a holder
 * that dies (process killed, network gone) stops renewing, and its lease stops counting once
 * its score passes. Each operation is one Lua script, atomic on the server.
 */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** [1, holders] when the lease was added; [0, holders, ms until the first lease expires]. */
export const ACQUIRE_SCRIPT = `
local key, limit, ttl, lease = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
${NOW}
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now + ttl, lease)
  redis.call('PEXPIRE', key, ttl)
  return {1, count + 1, 0}
end
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, count, tonumber(first[2]) - now}`;

/** 1 when the lease was still held and now runs `ttl` ms more; 0 when it had expired. */
export const RENEW_SCRIPT = `
local key, ttl, lease = KEYS[1], tonumber(ARGV[1]), ARGV[2]
${NOW}
if redis.call('ZSCORE', key, lease) == false then return 0 end
redis.call('ZADD', key, now + ttl, lease)
redis.call('PEXPIRE', key, ttl)
return 1`;

/** 1 when the lease was held, 0 when it had already gone. */
export const RELEASE_SCRIPT = `return redis.call('ZREM', KEYS[1], ARGV[1])`;

interface LeaseCommands {
  tenantryLeaseAcquire(
    key: string,
    limit: number,
    ttlMs: number,
    lease: string,
  ): Promise<[number, number, number]>;
  tenantryLeaseRenew(key: string, ttlMs: number, lease: string): Promise<number>;
  tenantryLeaseRelease(key: string, lease: string): Promise<number>;
}

export type LeaseRedis = Redis & LeaseCommands;

/** Registers the scripts on a client (ioredis' defineCommand: EVALSHA, EVAL on a cache miss). */
export function withLeaseSemaphore(redis: Redis): LeaseRedis {
  redis.defineCommand('tenantryLeaseAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
  redis.defineCommand('tenantryLeaseRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  redis.defineCommand('tenantryLeaseRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  return redis as LeaseRedis;
}

/** What one acquire answered. */
export interface AcquireResult {
  acquired: boolean;
  /** Leases held after the call (with this one when acquired). */
  holders: number;
  /** When refused: milliseconds until the oldest lease expires unless renewed. */
  firstExpiryMs: number;
}

export async function acquireLease(
  redis: LeaseRedis,
  key: string,
  limit: number,
  ttlMs: number,
  lease: string,
): Promise<AcquireResult> {
  const [acquired, holders, firstExpiryMs] = await redis.tenantryLeaseAcquire(
    key,
    limit,
    ttlMs,
    lease,
  );
  return { acquired: acquired === 1, holders, firstExpiryMs };
}
