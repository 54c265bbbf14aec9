import type Redis from 'ioredis';

/**
 * A sliding-window log in one Lua script: each accepted request is a member of a sorted set
 * scored by Redis' own clock (TIME, so app copies with skewed clocks share one timeline).
 * Entries older than the window are dropped, the rest counted; below the limit the request is
 * added, otherwise refused and not added (a tenant hammering a full window does not push its
 * own reset further out). Exact: no span of `window` milliseconds ever holds more than `limit`
 * accepted requests, whichever app copy accepted them.
 *
 * Returns [allowed 1|0, remaining, ms until a slot frees]. Reset: after an accepted request, when
 * the oldest counted one leaves the window; after a refusal, when enough have left for one more
 * (more than the oldest when a lowered limit left the log over it).
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local limit, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, now .. ':' .. member)
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local index = 0
if allowed == 0 then index = count - limit end
local freeing = redis.call('ZRANGE', key, index, index, 'WITHSCORES')
local reset = window
if freeing[2] then reset = tonumber(freeing[2]) + window - now end
local remaining = limit - count
if remaining < 0 then remaining = 0 end
return {allowed, remaining, reset}`;

/** The outcome of one check. */
export interface WindowDecision {
  allowed: boolean;
  remaining: number;
  /** Milliseconds until the window frees a slot. */
  resetMs: number;
}

interface SlidingWindowCommands {
  tenantryRateLimit(
    key: string,
    limit: number,
    windowMs: number,
    member: string,
  ): Promise<[number, number, number]>;
}

/** Registers the script on a client (ioredis' defineCommand: EVALSHA, EVAL on a cache miss). */
export function withSlidingWindow(redis: Redis): Redis & SlidingWindowCommands {
  redis.defineCommand('tenantryRateLimit', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
  return redis as Redis & SlidingWindowCommands;
}

/** One check against the window at `key`; `member` must be unique per call across app copies. */
export async function hitSlidingWindow(
  redis: Redis & SlidingWindowCommands,
  key: string,
  limit: number,
  windowMs: number,
  member: string,
): Promise<WindowDecision> {
  const [allowed, remaining, resetMs] = await redis.tenantryRateLimit(key, limit, windowMs, member);
  return { allowed: allowed === 1, remaining, resetMs };
}
