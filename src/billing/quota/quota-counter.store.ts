import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { Environment } from '../../config/environment';

/**
 * Reserves events against a monthly quota, atomically across every app copy. KEYS[1] is the
 * tenant-month counter. ARGV: count, quota, mode ('partial': grant what fits; 'all': all or
 * nothing; 'overage': grant everything), the counter's expiry (unix seconds), and optionally the
 * seed for a cold counter. A cold counter without a seed answers {-1, 0}: the caller reads the
 * month's accepted count from usage_daily and calls again with it (SET only if still absent, so
 * racing seeders agree). Answers {granted, used after}.
 */
const RESERVE = `
local key = KEYS[1]
local count, quota, mode, expire_at = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local used = redis.call('GET', key)
if not used then
  if not ARGV[5] then return {-1, 0} end
  redis.call('SET', key, ARGV[5])
  redis.call('EXPIREAT', key, expire_at)
  used = ARGV[5]
end
used = tonumber(used)
local grant = count
if mode ~= 'overage' then
  local room = quota - used
  if room < 0 then room = 0 end
  if grant > room then
    if mode == 'all' then grant = 0 else grant = room end
  end
end
if grant > 0 then used = redis.call('INCRBY', key, grant) end
return {grant, used}`;

/** Gives back a reservation whose events were not accepted after all (the sink was down). */
const RELEASE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECRBY', KEYS[1], ARGV[1]) end
return 0`;

/** Claims a once-per-month marker (a quota warning): 1 for the first caller, 0 after. */
const CLAIM = `
if redis.call('SET', KEYS[1], '1', 'NX') then
  redis.call('EXPIREAT', KEYS[1], tonumber(ARGV[1]))
  return 1
end
return 0`;

export type ReserveMode = 'partial' | 'all' | 'overage';

type QuotaRedis = Redis & {
  quotaReserve(
    key: string,
    count: number,
    quota: number,
    mode: ReserveMode,
    expireAt: number,
    ...seed: number[]
  ): Promise<[number, number]>;
  quotaRelease(key: string, count: number): Promise<number>;
  quotaClaim(key: string, expireAt: number): Promise<number>;
};

/** Redis is not configured, or did not answer: the caller falls back (see QuotaService). */
export class QuotaCounterUnavailableError extends Error {}

/**
 * The quota counters in Redis: one key per tenant-month, namespaced by the database name so
 * deployments and test runs sharing a Redis never see each other's, expiring a day after the
 * month. Commands fail fast when Redis is away (no offline queue, short timeout).
 */
@Injectable()
export class QuotaCounterStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QuotaCounterStore.name);
  private readonly redis?: QuotaRedis;
  private readonly prefix: string;

  constructor(config: ConfigService<Environment, true>) {
    this.prefix = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:quota`;
    const url = config.get('REDIS_URL', { infer: true });
    if (!url) return;
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1_000,
    });
    redis.defineCommand('quotaReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('quotaRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('quotaClaim', { numberOfKeys: 1, lua: CLAIM });
    // Reconnection is ioredis's; errors while away are answered by the fallback, logged there.
    redis.on('error', () => undefined);
    this.redis = redis as QuotaRedis;
  }

  async onModuleInit(): Promise<void> {
    await this.redis
      ?.connect()
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'Redis not reachable yet: quotas use the fallback'),
      );
  }

  /** The client itself, for tests that take Redis away from the quota check. */
  get client(): Redis | undefined {
    return this.redis;
  }

  counterKey(tenantId: string, month: string): string {
    return `${this.prefix}:${tenantId}:${month}`;
  }

  /** {granted, used} or 'cold' when the counter needs its seed. */
  async reserve(
    key: string,
    count: number,
    quota: number,
    mode: ReserveMode,
    expireAt: number,
    seed?: number,
  ): Promise<{ granted: number; used: number } | 'cold'> {
    const redis = this.require();
    const [granted, used] = await this.call(() =>
      redis.quotaReserve(key, count, quota, mode, expireAt, ...(seed === undefined ? [] : [seed])),
    );
    return granted < 0 ? 'cold' : { granted, used };
  }

  async release(key: string, count: number): Promise<void> {
    const redis = this.require();
    await this.call(() => redis.quotaRelease(key, count));
  }

  /** The month's counter, or null when it is cold. */
  async used(key: string): Promise<number | null> {
    const redis = this.require();
    const value = await this.call(() => redis.get(key));
    return value === null ? null : Number(value);
  }

  /** True for the one caller that claims `marker` first this month. */
  async claimOnce(marker: string, expireAt: number): Promise<boolean> {
    const redis = this.require();
    return (await this.call(() => redis.quotaClaim(`${this.prefix}:${marker}`, expireAt))) === 1;
  }

  private require(): QuotaRedis {
    if (!this.redis) throw new QuotaCounterUnavailableError('REDIS_URL is not configured');
    return this.redis;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new QuotaCounterUnavailableError(
        `quota counters unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
