import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, JobType } from 'bullmq';
import Redis from 'ioredis';
import type { Environment } from '../../config/environment';
import { isUuid } from '../../common/uuid';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';

const SCAN_COUNT = 500;
const PENDING_STATES: JobType[] = ['wait', 'delayed', 'prioritized', 'waiting-children'];

/**
 * A tenant's state in Redis, for its purge. Every key the app writes for a tenant is
 * `tenantry:<DATABASE_NAME>:<family>:…<tenant id>…` (rate-limit windows, quota counters and their
 * once-a-month warning markers); the login throttle counts per client IP, not per tenant, and
 * holds nothing of one. So one SCAN of `tenantry:<db>:*<tenant id>*` finds every family, a
 * family added later included, and never KEYS (which blocks the server). Without REDIS_URL there
 * is nothing to remove.
 */
@Injectable()
export class TenantRedisKeysStore implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantRedisKeysStore.name);
  private readonly redis?: Redis;
  private readonly namespace: string;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly jobs: ScheduledJobRegistry,
  ) {
    const url = config.get('REDIS_URL', { infer: true });
    this.namespace = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:`;
    if (url) {
      this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
      this.redis.on('error', (error: Error) =>
        this.logger.warn({ msg: 'Redis error', error: error.message }),
      );
    }
  }

  get configured(): boolean {
    return this.redis !== undefined;
  }

  /** The tenant's keys (tests count them too). */
  async keysOf(tenantId: string): Promise<string[]> {
    if (!this.redis) return [];
    if (!isUuid(tenantId)) throw new Error('keysOf needs a tenant UUID');
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(
        cursor,
        'MATCH',
        `${this.namespace}*${tenantId.toLowerCase()}*`,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return [...new Set(keys)];
  }

  /** Deletes every key of the tenant; answers how many went. */
  async purgeKeys(tenantId: string): Promise<number> {
    if (!this.redis) return 0;
    const keys = await this.keysOf(tenantId);
    let removed = 0;
    for (let i = 0; i < keys.length; i += SCAN_COUNT) {
      removed += await this.redis.del(...keys.slice(i, i + SCAN_COUNT));
    }
    return removed;
  }

  /**
   * Drops the not-yet-run BullMQ jobs whose data names the tenant (`tenant_id` or `tenantId`),
   * in every queue the app registered. Today's scheduled jobs carry no tenant; a queue that
   * later does is covered by registering it.
   */
  async purgeJobs(tenantId: string): Promise<number> {
    let removed = 0;
    for (const queue of this.jobs.queues) {
      const pending = (await queue.getJobs(PENDING_STATES)) as (Job | undefined)[];
      for (const job of pending) {
        if (job && namesTenant(job.data, tenantId)) {
          await job.remove();
          removed += 1;
        }
      }
    }
    return removed;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => undefined);
  }
}

function namesTenant(data: unknown, tenantId: string): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const record = data as Record<string, unknown>;
  return [record.tenant_id, record.tenantId].some(
    (value) => typeof value === 'string' && value.toLowerCase() === tenantId.toLowerCase(),
  );
}
