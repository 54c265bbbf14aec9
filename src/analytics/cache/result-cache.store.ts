import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import type { Environment } from '../../config/environment';
import { ANALYTICS_REDIS, analyticsKeyPrefix } from '../fair/analytics-redis';

/**
 * Analytics answers in Redis, for ANALYTICS_CACHE_SECONDS, each under
 * `…:analytics:cache:<tenant id>:<route>:<sha256 of the normalised query and data versions>`.
 * The tenant id is part of every key (never only inside the hash), so no answer can be read for
 * another tenant and a tenant's purge finds its answers by its id. Answers above
 * ANALYTICS_CACHE_MAX_BYTES are not kept. Redis errors are logged and answered as a miss.
 */
@Injectable()
export class ResultCacheStore {
  private readonly logger = new Logger(ResultCacheStore.name);
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly maxBytes: number;

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(ANALYTICS_REDIS) private readonly redis: Redis | undefined,
  ) {
    this.prefix = `${analyticsKeyPrefix(config)}cache:`;
    this.ttlSeconds = config.get('ANALYTICS_CACHE_SECONDS', { infer: true });
    this.maxBytes = config.get('ANALYTICS_CACHE_MAX_BYTES', { infer: true });
  }

  get enabled(): boolean {
    return this.redis !== undefined && this.ttlSeconds > 0;
  }

  keyOf(tenantId: string, route: string, normalisedQuery: string, versions: string): string {
    const digest = createHash('sha256').update(normalisedQuery).update('\n').update(versions);
    return `${this.prefix}${tenantId}:${route}:${digest.digest('hex')}`;
  }

  /** The cached answer's JSON, or undefined (none, or Redis did not answer). */
  async get(key: string): Promise<string | undefined> {
    if (!this.redis) return undefined;
    try {
      return (await this.redis.get(key)) ?? undefined;
    } catch (error) {
      this.logger.warn({ err: error }, 'analytics cache read failed: answering from the store');
      return undefined;
    }
  }

  /** Keeps an answer's JSON; false when it was too large or Redis did not take it. */
  async set(key: string, json: string): Promise<boolean> {
    if (!this.redis || Buffer.byteLength(json) > this.maxBytes) return false;
    try {
      await this.redis.set(key, json, 'EX', this.ttlSeconds);
      return true;
    } catch (error) {
      this.logger.warn({ err: error }, 'analytics cache write failed');
      return false;
    }
  }
}
