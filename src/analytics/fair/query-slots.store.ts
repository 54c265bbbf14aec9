import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { ThrottledWarning } from '../../common/throttled-warning';
import type { Environment } from '../../config/environment';
import { ANALYTICS_REDIS, analyticsKeyPrefix } from './analytics-redis';
import { acquireLease, type LeaseRedis, withLeaseSemaphore } from './lease-semaphore';

/** Leases found gone when renewed: the query ran on, no longer counted against its tenant. */
export const ANALYTICS_QUERY_LEASES_LOST = 'tenantry_analytics_query_leases_lost_total';

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
 * process (each copy then allows the limit on its own; a warning says so once a minute). A lease
 * found gone at renewal (Redis flushed or failed over, or a renewal late past its lifetime) is
 * logged with tenant_id and counted; its query runs on, uncounted, and is not renewed again.
 */
@Injectable()
export class QuerySlotsStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QuerySlotsStore.name);
  private readonly redis?: LeaseRedis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly local = new Map<string, number>();
  private readonly fallbackWarning = new ThrottledWarning(this.logger);
  private readonly renewals = new Set<NodeJS.Timeout>();

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(ANALYTICS_REDIS) redis: Redis | undefined,
    @InjectMetric(ANALYTICS_QUERY_LEASES_LOST) private readonly leasesLost: Counter<string>,
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
    // Named before the call: a call that timed out here may still have run on the server.
    const lease = randomUUID();
    let result;
    try {
      result = await acquireLease(redis, key, limit, this.leaseMs, lease);
    } catch (error) {
      // Best effort, not awaited: a lease the server added anyway would otherwise hold a slot
      // for a whole lease while the query runs on the local count. Sent on the same connection,
      // so Redis runs it after the acquire; if it fails too, the lease expires on its own.
      redis.tenantryLeaseRelease(key, lease).catch(() => undefined);
      throw error;
    }
    if (!result.acquired) {
      // Slots free as queries end (usually well within a second); a lease of a dead holder
      // at the latest when it expires.
      const retryAfterSeconds = Math.max(1, Math.min(Math.ceil(result.firstExpiryMs / 1000), 5));
      return { running: result.holders, retryAfterSeconds };
    }
    let released = false;
    const stopRenewing = () => {
      clearInterval(renewal);
      this.renewals.delete(renewal);
    };
    const renewal = setInterval(() => {
      redis.tenantryLeaseRenew(key, this.leaseMs, lease).then(
        (held) => {
          if (held === 1 || released) return;
          stopRenewing();
          this.leasesLost.inc();
          this.logger.warn({
            msg: 'a running query lost its lease: its slot is no longer counted',
            tenant_id: tenantId,
          });
        },
        (error: unknown) => {
          this.logger.warn({ err: error, tenant_id: tenantId }, 'could not renew a query lease');
        },
      );
    }, this.leaseMs / 3);
    renewal.unref();
    this.renewals.add(renewal);
    return {
      running: result.holders,
      release: async () => {
        if (released) return;
        released = true;
        stopRenewing();
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
    this.fallbackWarning.warn(
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
