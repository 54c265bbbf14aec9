import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import { failFastRedis } from '../common/fail-fast-redis';
import type { Environment } from '../config/environment';
import { epochAction, epochKey } from './redis-epoch';
import { RedisRebuildRegistry } from './redis-rebuild.registry';
import { upsertSchedule } from './repeatable-job.scheduler';
import { ScheduledJobRegistry } from './scheduled-job.registry';

export const REDIS_REBUILDS = 'tenantry_redis_rebuilds_total';

/** A rebuild's epoch and counts need only a few round trips: a slow Redis is not a down one. */
const COMMAND_TIMEOUT_MS = 2_000;

export type RedisCheckOutcome = 'skipped' | 'unreachable' | 'unchanged' | 'claimed' | 'rebuilt';

/**
 * Redis holds only what can be rebuilt; this puts it back when Redis comes back empty (flushed,
 * replaced, restored from nothing) while the app runs. An epoch key is set once per Redis
 * lifetime; every REDIS_REBUILD_CHECK_SECONDS and on each (re)connection, the key gone means
 * Redis lost its data. Then the repeatable schedules are upserted again (the same call as at
 * boot) and every RedisRebuildRegistry step runs (unfinished erasures). Only the copy whose
 * SET NX of the new epoch wins does the work; the others see the new epoch. Without REDIS_URL
 * there is nothing to rebuild.
 */
@Injectable()
export class RedisRebuildService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisRebuildService.name);
  private readonly key: string;
  private redis?: Redis;
  private interval?: NodeJS.Timeout;
  private inFlight?: Promise<RedisCheckOutcome>;
  private contacted = false;

  constructor(
    private readonly config: ConfigService<Environment, true>,
    private readonly schedules: ScheduledJobRegistry,
    private readonly rebuilds: RedisRebuildRegistry,
    @InjectMetric(REDIS_REBUILDS) private readonly rebuildsTotal: Counter<string>,
  ) {
    this.key = epochKey(config.get('DATABASE_NAME', { infer: true }));
  }

  /** Whether a check has reached Redis yet (the first one claims the epoch, never rebuilds). */
  get hasContactedRedis(): boolean {
    return this.contacted;
  }

  onApplicationBootstrap(): void {
    const url = this.config.get('REDIS_URL', { infer: true });
    if (!url) return;
    // Errors are per check (and /health reports Redis); the client reconnects by itself.
    this.redis = failFastRedis(url, () => undefined, COMMAND_TIMEOUT_MS);
    this.redis.on('ready', () => void this.check());
    const seconds = this.config.get('REDIS_REBUILD_CHECK_SECONDS', { infer: true });
    this.interval = setInterval(() => void this.check(), seconds * 1000);
    this.interval.unref();
  }

  /** One check (concurrent callers share it): rebuilds if Redis lost the epoch seen before. */
  check(): Promise<RedisCheckOutcome> {
    if (!this.redis) return Promise.resolve('skipped');
    this.inFlight ??= this.checkOnce(this.redis).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async checkOnce(redis: Redis): Promise<RedisCheckOutcome> {
    let present: boolean;
    try {
      present = (await redis.exists(this.key)) === 1;
    } catch {
      return 'unreachable';
    }
    const action = epochAction(present, !this.contacted);
    this.contacted = true;
    if (action === 'none') return 'unchanged';
    // The SET NX decides which app copy rebuilds (or, at first contact, claims the epoch).
    let won: boolean;
    try {
      won = (await redis.set(this.key, randomUUID(), 'NX')) === 'OK';
    } catch {
      return 'unreachable';
    }
    if (!won) return 'unchanged';
    if (action === 'claim') return 'claimed';
    try {
      await this.rebuild();
      return 'rebuilt';
    } catch (error) {
      // Let the next check try again rather than leave an epoch over a half-rebuilt Redis.
      await redis.del(this.key).catch(() => undefined);
      this.logger.warn({ err: error }, 'Redis rebuild failed; retrying at the next check');
      return 'unreachable';
    }
  }

  private async rebuild(): Promise<void> {
    const counts: Record<string, number> = {};
    const schedules = this.schedules.schedules;
    for (const { job, queue } of schedules) await upsertSchedule(queue, job);
    counts.schedules = schedules.length;
    for (const step of this.rebuilds.steps) counts[step.name] = await step.restore();
    this.rebuildsTotal.inc();
    this.logger.log({ msg: 'Redis came back empty; rebuilt its state', ...counts });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.interval);
    await this.inFlight?.catch(() => undefined);
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => undefined);
  }
}
