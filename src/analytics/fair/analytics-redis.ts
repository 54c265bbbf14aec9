import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { Environment } from '../../config/environment';

/** The Redis client of the analytics limits and result cache; undefined without REDIS_URL. */
export const ANALYTICS_REDIS = Symbol('AnalyticsRedis');

/** A Redis that does not answer within this is treated as down for that query. */
const REDIS_TIMEOUT_MS = 250;

/**
 * One client for the query slots, the data versions and the result cache. No offline queue and
 * a short timeout: a down Redis costs a query milliseconds (slots fall back to this process,
 * the cache is skipped), never a wait; the client reconnects in the background.
 */
export const analyticsRedisProvider: FactoryProvider<Redis | undefined> = {
  provide: ANALYTICS_REDIS,
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>) => {
    const url = config.get('REDIS_URL', { infer: true });
    if (!url) return undefined;
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_TIMEOUT_MS,
      connectTimeout: 2_000,
    });
    // Failures surface per call (counted, fallen back from); this only keeps ioredis from
    // reporting each reconnect attempt as an unhandled error event.
    redis.on('error', () => undefined);
    return redis;
  },
};

/** The prefix of every analytics key: per database, so deployments and test runs never mix. */
export function analyticsKeyPrefix(config: ConfigService<Environment, true>): string {
  return `tenantry:${config.get('DATABASE_NAME', { infer: true })}:analytics:`;
}
