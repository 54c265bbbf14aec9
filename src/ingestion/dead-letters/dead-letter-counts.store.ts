import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { failFastRedis, untilReady } from '../../common/fail-fast-redis';
import type { Environment } from '../../config/environment';

/** Days of counts kept, and read back by GET /admin/tenants/:id/health. */
export const DEAD_LETTER_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * Dead letters per tenant, per UTC day, by reason: one Redis hash per tenant-day
 * (`tenantry:<db>:dlq:<tenant id>:<day>`, fields are the reasons, a closed list), kept a day past
 * the window read. So an operator sees which tenant's messages die and why, while the metric
 * tenantry_events_dead_lettered_total stays without a tenant label. The key carries the tenant
 * id under the database's namespace, so a tenant purge's key scan removes it. Counting is best
 * effort: Redis away (or not configured) never holds a batch, nor delays it (a fail-fast client:
 * no offline queue, a short timeout); the health route then says the counts are unavailable.
 * Counted where the metric is, so both agree.
 */
@Injectable()
export class DeadLetterCountsStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeadLetterCountsStore.name);
  private readonly redis?: Redis;
  private readonly namespace: string;
  private lastError = '';

  constructor(config: ConfigService<Environment, true>) {
    const url = config.get('REDIS_URL', { infer: true });
    this.namespace = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:dlq:`;
    if (url) this.redis = failFastRedis(url, (error) => this.warnOnce(error));
  }

  /** The first connection, so the first dead letters after start-up are counted too. */
  async onModuleInit(): Promise<void> {
    if (this.redis) await untilReady(this.redis);
  }

  get configured(): boolean {
    return this.redis !== undefined;
  }

  /** Adds a batch's dead letters that name a tenant; never throws, never waits for Redis. */
  record(letters: readonly { tenantId?: string; reason: string }[], at = new Date()): void {
    if (!this.redis) return;
    const counts = new Map<string, Map<string, number>>();
    for (const { tenantId, reason } of letters) {
      if (!tenantId) continue;
      const reasons = counts.get(tenantId) ?? new Map<string, number>();
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      counts.set(tenantId, reasons);
    }
    if (counts.size === 0) return;
    const day = at.toISOString().slice(0, 10);
    const expireAt = Math.floor(at.getTime() / 1000) + (DEAD_LETTER_DAYS + 1) * 86_400;
    const pipeline = this.redis.pipeline();
    for (const [tenantId, reasons] of counts) {
      const key = this.key(tenantId, day);
      for (const [reason, count] of reasons) pipeline.hincrby(key, reason, count);
      pipeline.expireat(key, expireAt);
    }
    pipeline.exec().catch((error: Error) => this.warnOnce(error));
  }

  /** The tenant's dead letters of the last DEAD_LETTER_DAYS UTC days (today included) by reason. */
  async countsOf(tenantId: string, now = new Date()): Promise<Record<string, number>> {
    if (!this.redis) throw new Error('dead-letter counts need REDIS_URL');
    const pipeline = this.redis.pipeline();
    for (let back = 0; back < DEAD_LETTER_DAYS; back += 1) {
      pipeline.hgetall(
        this.key(tenantId, new Date(now.getTime() - back * DAY_MS).toISOString().slice(0, 10)),
      );
    }
    const totals: Record<string, number> = {};
    for (const [error, hash] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      for (const [reason, count] of Object.entries(hash as Record<string, string>)) {
        totals[reason] = (totals[reason] ?? 0) + Number(count);
      }
    }
    return totals;
  }

  private key(tenantId: string, day: string): string {
    return `${this.namespace}${tenantId.toLowerCase()}:${day}`;
  }

  private warnOnce(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn({ msg: 'dead-letter counts: Redis error', error: error.message });
  }

  async onApplicationShutdown(): Promise<void> {
    // quit sends what is pipelined; a client that is not connected cannot, and just stops.
    if (this.redis && this.redis.status !== 'end') {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    }
  }
}
