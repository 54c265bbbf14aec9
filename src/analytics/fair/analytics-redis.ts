import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { failFastRedis } from '../../common/fail-fast-redis';
import type { Environment } from '../../config/environment';

/** The Redis client of the analytics limits and result cache; undefined without REDIS_URL. */
export const ANALYTICS_REDIS = Symbol('AnalyticsRedis');

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
    // Failures surface per call (counted, fallen back from).
    return failFastRedis(url);
  },
};

/** The prefix of every analytics key: per database, so deployments and test runs never mix. */
export function analyticsKeyPrefix(config: ConfigService<Environment, true>): string {
  return `tenantry:${config.get('DATABASE_NAME', { infer: true })}:analytics:`;
}
