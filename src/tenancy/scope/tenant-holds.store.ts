import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Environment } from '../../config/environment';
import { isUuid } from '../../common/uuid';

/** A hold lives this long unless released: a killed mover's hold ends by itself. */
export const HOLD_TTL_MS = 8_000;
/** How often a waiting writer looks at the hold key again. */
const HOLD_POLL_MS = 100;

/**
 * Write holds of tenants being moved between placements (issue 18). While the mover copies the
 * last writes and flips the placement, a tenant's writes pause: non-GET tenant routes answer 503
 * with Retry-After, and the event writer keeps the tenant's batches until the hold ends.
 *
 * The hold is a Redis key per tenant (`tenantry:<DATABASE_NAME>:hold:<tenant>` = move id, PX
 * 8000), announced on the credential-invalidation channel so every app copy knows at once
 * without a Redis read per request; a copy that missed the message still sees the key when its
 * writer polls. No Redis: no holds, and the move is refused, since other copies could not be told.
 */
@Injectable()
export class TenantHoldsStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TenantHoldsStore.name);
  private readonly prefix: string;
  private readonly channel: string;
  private readonly url?: string;
  private readonly origin = randomUUID();
  /** tenant → when its hold ends (ms since epoch), as last announced. */
  private readonly held = new Map<string, number>();
  private redis?: Redis;
  private subscriber?: Redis;

  constructor(config: ConfigService<Environment, true>) {
    const database = config.get('DATABASE_NAME', { infer: true });
    this.prefix = `tenantry:${database}:hold:`;
    this.channel = `tenantry:${database}:credential-invalidation`;
    this.url = config.get('REDIS_URL', { infer: true });
  }

  /** Holds need Redis: every app copy must see them. */
  get enabled(): boolean {
    return Boolean(this.url);
  }

  async onModuleInit(): Promise<void> {
    if (!this.url) return;
    const options = { connectTimeout: 2_000, maxRetriesPerRequest: 1 };
    this.redis = new Redis(this.url, { ...options, commandTimeout: 1_000 });
    this.redis.on('error', () => undefined);
    const subscriber = new Redis(this.url, options);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    subscriber.on('error', (error: Error) =>
      this.logger.warn(`hold channel down, writers poll the key instead: ${error.message}`),
    );
    await subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn(`could not subscribe to the hold channel: ${error.message}`);
    });
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
    this.redis?.disconnect();
  }

  /** True while this copy knows of a hold on the tenant (no Redis round trip). */
  isHeld(tenantId: string): boolean {
    const until = this.held.get(tenantId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.held.delete(tenantId);
    return false;
  }

  /** Places the hold (PX HOLD_TTL_MS) and announces it. Returns false if another holds it. */
  async hold(tenantId: string, moveId: string, ttlMs = HOLD_TTL_MS): Promise<boolean> {
    const redis = this.client();
    const placed = await redis.set(this.key(tenantId), moveId, 'PX', ttlMs, 'NX');
    if (placed !== 'OK' && (await redis.get(this.key(tenantId))) !== moveId) return false;
    this.held.set(tenantId, Date.now() + ttlMs);
    await this.announce(tenantId, ttlMs);
    return true;
  }

  /** Ends the tenant's hold if it is still this move's, and announces it. */
  async release(tenantId: string, moveId: string): Promise<void> {
    const redis = this.client();
    await redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
      1,
      this.key(tenantId),
      moveId,
    );
    this.held.delete(tenantId);
    await this.announce(tenantId, 0);
  }

  /**
   * Waits while any of these tenants is held, reading the key every 100 ms, at most one hold
   * TTL (a hold outlives no mover by more than that). Returns how long it waited.
   */
  async waitWhileHeld(tenantIds: Iterable<string>): Promise<number> {
    const waiting = [...new Set(tenantIds)].filter((id) => this.isHeld(id));
    if (waiting.length === 0 || !this.redis) return 0;
    const started = Date.now();
    while (Date.now() - started < HOLD_TTL_MS) {
      const values = await this.redis
        .mget(waiting.map((id) => this.key(id)))
        .catch(() => waiting.map(() => null));
      if (values.every((value) => value === null)) break;
      await delay(HOLD_POLL_MS);
    }
    for (const id of waiting) this.held.delete(id);
    return Date.now() - started;
  }

  private key(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }

  private client(): Redis {
    if (!this.redis) throw new Error('tenant holds need REDIS_URL');
    return this.redis;
  }

  /** On the credential channel, beside credential changes: every copy's hold listener notes it. */
  private async announce(tenantId: string, holdMs: number): Promise<void> {
    // `held_tenant_id`, not `tenant_id`: the credential listeners must keep the tenant's cached
    // credentials, or every request of it would wait at the mover's fence for a lookup.
    const message = JSON.stringify({
      held_tenant_id: tenantId,
      origin: this.origin,
      hold_ms: holdMs,
    });
    await this.client()
      .publish(this.channel, message)
      .catch((error: Error) =>
        this.logger.warn({ tenant_id: tenantId, err: error.message }, 'could not announce a hold'),
      );
  }

  private receive(message: string): void {
    let parsed: { held_tenant_id?: unknown; origin?: unknown; hold_ms?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.origin === this.origin || !isUuid(parsed.held_tenant_id)) return;
    if (typeof parsed.hold_ms !== 'number') return;
    if (parsed.hold_ms > 0) this.held.set(parsed.held_tenant_id, Date.now() + parsed.hold_ms);
    else this.held.delete(parsed.held_tenant_id);
  }
}
