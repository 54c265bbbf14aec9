import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { Environment } from '../../config/environment';
import { ANALYTICS_REDIS, analyticsKeyPrefix } from '../fair/analytics-redis';
import { DAY_MS } from '../query/range-limits';

/** The field of a tenant's versions that every change outside one day's events bumps. */
const TENANT_FIELD = 'all';
/** Versions outlive any cached answer many times over (see the class comment). */
const VERSIONS_TTL_SECONDS = 2 * 86_400;

/** More days than any validated range spans (retention of 730 days, summary's period before it). */
const MAX_DAYS = 1_500;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The data versions of each tenant's events, which the result cache keys its answers by: one
 * Redis hash per tenant, a counter per UTC day of event time, bumped after events of that day
 * were stored, and one `all` counter for changes that touch any day (erasure, retention,
 * purge, a rollup refresh). A cached answer names the versions of the days its range reads, so
 * a new event in that range makes it unreachable and one outside it does not.
 *
 * The hash expires two days after its last bump: a cached answer lives seconds, so a key built
 * from the versions after expiry (all unset) can never meet an answer cached before it.
 */
@Injectable()
export class DataVersionsStore {
  private readonly logger = new Logger(DataVersionsStore.name);
  private readonly prefix: string;

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(ANALYTICS_REDIS) private readonly redis: Redis | undefined,
  ) {
    this.prefix = `${analyticsKeyPrefix(config)}versions:`;
  }

  get enabled(): boolean {
    return this.redis !== undefined;
  }

  /**
   * Bumps the days of stored events, per tenant. Never throws: a bump lost to a down Redis
   * leaves answers of those days served until their TTL at most, and is logged.
   */
  async bumpDays(events: Iterable<{ tenantId: string; timestamp: Date }>): Promise<void> {
    if (!this.redis) return;
    const days = new Map<string, Set<string>>();
    for (const event of events) {
      let set = days.get(event.tenantId);
      if (!set) days.set(event.tenantId, (set = new Set()));
      set.add(utcDay(event.timestamp.getTime()));
    }
    if (days.size === 0) return;
    const pipeline = this.redis.multi();
    for (const [tenantId, tenantDays] of days) {
      const key = this.prefix + tenantId;
      for (const day of tenantDays) pipeline.hincrby(key, day, 1);
      pipeline.expire(key, VERSIONS_TTL_SECONDS);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      this.logger.warn(
        { err: error, tenant_ids: [...days.keys()].slice(0, 10) },
        'could not bump analytics data versions: cached answers of these days live out their TTL',
      );
    }
  }

  /** Bumps every day of the tenant at once (its events changed in ways not tied to one day). */
  async bumpTenant(tenantId: string): Promise<void> {
    if (!this.redis) return;
    const key = this.prefix + tenantId;
    try {
      await this.redis
        .multi()
        .hincrby(key, TENANT_FIELD, 1)
        .expire(key, VERSIONS_TTL_SECONDS)
        .exec();
    } catch (error) {
      this.logger.warn(
        { err: error, tenant_id: tenantId },
        'could not bump analytics data versions: cached answers live out their TTL',
      );
    }
  }

  /**
   * The versions of the UTC days [from, to) touches, and the tenant's own, as one string.
   * Throws when Redis does not answer (the caller then skips the cache).
   */
  async versionsOf(tenantId: string, from: Date, to: Date): Promise<string> {
    if (!this.redis) throw new Error('no Redis configured');
    const fields = [TENANT_FIELD];
    const last = Math.max(from.getTime(), to.getTime() - 1);
    for (let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS; day <= last; day += DAY_MS) {
      fields.push(utcDay(day));
      if (fields.length > MAX_DAYS) throw new Error('range too long to version');
    }
    const values = await this.redis.hmget(this.prefix + tenantId, ...fields);
    return values.map((value) => value ?? '0').join('.');
  }
}
