import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';

/** A Redis that does not answer within this is treated as down for that call. */
export const FAIL_FAST_COMMAND_TIMEOUT_MS = 250;

/**
 * A Redis client for work that must never wait on Redis (the ingestion path, best-effort counts):
 * no offline queue, no retries of a command and a short timeout, so a down Redis costs a call
 * milliseconds and an error, never a wait; the client reconnects in the background. Connection
 * errors surface per call; the client's own error events go to `onError` (default: ignored, so
 * ioredis does not report each reconnect attempt as an unhandled error).
 */
export function failFastRedis(
  url: string,
  onError: (error: Error) => void = () => undefined,
  commandTimeoutMs = FAIL_FAST_COMMAND_TIMEOUT_MS,
): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
  });
  redis.on('error', onError);
  return redis;
}

/**
 * Waits (at most `ms`) for the client's first connection, so the calls right after start-up are
 * not refused for want of an offline queue. Never throws: a Redis that is down stays down.
 */
export async function untilReady(redis: Redis, ms = 2_000): Promise<void> {
  if (redis.status === 'ready') return;
  const waiting = new AbortController();
  await Promise.race([
    once(redis, 'ready', { signal: waiting.signal }).catch(() => undefined),
    delay(ms, undefined, { signal: waiting.signal }).catch(() => undefined),
  ]);
  waiting.abort();
}
