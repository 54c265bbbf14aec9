import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Environment } from '../../config/environment';
import { ANALYTICS_REDIS, analyticsKeyPrefix } from './analytics-redis';
import { acquireLease, type LeaseRedis, withLeaseSemaphore } from './lease-semaphore';

/** A slot held for one query; release it exactly once. */
export interface QuerySlot {
  /** The tenant's queries running with this one (1: it is the tenant's only one). */
  running: number;
  release(): Promise<void>;
}

/** A refusal: how many run now and a hint of when one may end. */
export interface SlotRefusal {
  running: number;
  retryAfterSeconds: number;
}

/**
 * Slots for a tenant's analytics queries running at once. With Redis, one lease semaphore per
 * tenant shared by every app copy (lease-semaphore.ts): a lease lives ANALYTICS_QUERY_LEASE_SECONDS
 * and is renewed at a third of that while its query runs, so a dead instance's slots come back
 * within one lease. Without Redis, or while it does not answer, slots are counted in this
 * process (each copy then allows the limit on its own; a warning says so once a minute).
 */
@Injectable()
export class QuerySlotsStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QuerySlotsStore.name);
  private readonly redis?: LeaseRedis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly local = new Map<string, number>();
  private lastFallbackLog = 0;
  private readonly renewals = new Set<NodeJS.Timeout>();

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(ANALYTICS_REDIS) redis: Redis | undefined,
  ) {
    this.prefix = `${analyticsKeyPrefix(config)}slots:`;
    this.leaseMs = config.get('ANALYTICS_QUERY_LEASE_SECONDS', { infer: true }) * 1000;
    this.redis = redis && withLeaseSemaphore(redis);
  }

  /** Waits (briefly) for the connection, so the first queries after start share slots too. */
  async onModuleInit(): Promise<void> {
    if (!this.redis || this.redis.status === 'ready') return;
    const waiting = new AbortController();
    await Promise.race([
      once(this.redis, 'ready', { signal: waiting.signal }).catch(() => undefined),
      delay(2_000, undefined, { signal: waiting.signal }).catch(() => undefined),
    ]);
    waiting.abort();
  }

  /** A slot of the tenant's `limit`, or the refusal. */
  async acquire(tenantId: string, limit: number): Promise<QuerySlot | SlotRefusal> {
    if (this.redis) {
      try {
        return await this.acquireShared(this.redis, tenantId, limit);
      } catch (error) {
        this.warnFallback(error, tenantId);
      }
    }
    return this.acquireLocal(tenantId, limit);
  }

  private async acquireShared(
    redis: LeaseRedis,
    tenantId: string,
    limit: number,
  ): Promise<QuerySlot | SlotRefusal> {
    const key = this.prefix + tenantId;
    const lease = randomUUID();
    const result = await acquireLease(redis, key, limit, this.leaseMs, lease);
    if (!result.acquired) {
      // Slots free as queries end (usually well within a second); a lease of a dead holder
      // at the latest when it expires.
      const retryAfterSeconds = Math.max(1, Math.min(Math.ceil(result.firstExpiryMs / 1000), 5));
      return { running: result.holders, retryAfterSeconds };
    }
    const renewal = setInterval(() => {
      redis.tenantryLeaseRenew(key, this.leaseMs, lease).catch((error: unknown) => {
        this.logger.warn({ err: error, tenant_id: tenantId }, 'could not renew a query lease');
      });
    }, this.leaseMs / 3);
    renewal.unref();
    this.renewals.add(renewal);
    let released = false;
    return {
      running: result.holders,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        this.renewals.delete(renewal);
        try {
          await redis.tenantryLeaseRelease(key, lease);
        } catch (error) {
          // The lease expires on its own within leaseMs.
          this.logger.warn({ err: error, tenant_id: tenantId }, 'could not release a query lease');
        }
      },
    };
  }

  private acquireLocal(tenantId: string, limit: number): QuerySlot | SlotRefusal {
    const running = this.local.get(tenantId) ?? 0;
    if (running >= limit) return { running, retryAfterSeconds: 1 };
    this.local.set(tenantId, running + 1);
    let released = false;
    return {
      running: running + 1,
      release: () => {
        if (!released) {
          released = true;
          const left = (this.local.get(tenantId) ?? 1) - 1;
          if (left <= 0) this.local.delete(tenantId);
          else this.local.set(tenantId, left);
        }
        return Promise.resolve();
      },
    };
  }

  private warnFallback(error: unknown, tenantId: string): void {
    const now = Date.now();
    if (now - this.lastFallbackLog < 60_000) return;
    this.lastFallbackLog = now;
    this.logger.warn(
      { err: error, tenant_id: tenantId },
      'Redis did not answer: analytics query slots are counted per process until it does',
    );
  }

  onApplicationShutdown(): void {
    for (const renewal of this.renewals) clearInterval(renewal);
  }
}

export const isRefusal = (outcome: QuerySlot | SlotRefusal): outcome is SlotRefusal =>
  'retryAfterSeconds' in outcome;
