import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import { BoundedTtlCache } from '../../common/bounded-ttl-cache';
import { failFastRedis, untilReady } from '../../common/fail-fast-redis';
import type { Environment } from '../../config/environment';
import type { TenantTier } from '../../tenancy/tenant.entity';
import { KAFKA_CLIENT } from '../kafka/kafka-connection';
import { TenantDirectory } from '../pipeline/tenant.directory';
import {
  type IntakeWindow,
  MemoryIntakeWindow,
  RedisIntakeWindow,
  type WindowHit,
  type WindowReading,
} from './intake-window';
import { type OverflowThresholds, parseOverflowThresholds } from './overflow-thresholds';

export const OVERFLOW_EVENTS = 'tenantry_ingestion_overflow_events_total';
export const HOT_TENANTS = 'tenantry_ingestion_hot_tenants';

/** A hot tenant cools below this share of its threshold: the gap is the hysteresis. */
export const EXIT_RATIO = 0.5;
const UNAVAILABLE_LOG_INTERVAL_MS = 60_000;
/** Ids found to name no tenant, remembered (bounded) so each costs one lookup per TTL. */
const UNKNOWN_TENANTS_MAX = 10_000;
const UNKNOWN_TENANT_TTL_MS = 60_000;

/** A tenant's tier; null: no such tenant; `unavailable`: the lookup failed. */
type TierLookup = TenantTier | null | 'unavailable';

/** What GET /admin/tenants/:id/health shows of a tenant's intake. */
export interface IntakeStatus {
  eventsPerSecond: number;
  /** Hot: its events go to the overflow topic (without Kafka: would, see `routed`). */
  overflowing: boolean;
  /** The rate that makes the tenant hot; null when its tier (or overflow) is off. */
  thresholdEventsPerSecond: number | null;
}

/** Whether a tenant of a batch is hot, and its tier (the overflow metric's label). */
export interface IntakeDecision {
  hot: boolean;
  tier: TenantTier | null;
}

/**
 * Each tenant's intake rate in events per second, and whether it is hot (above its tier's
 * threshold, INGEST_OVERFLOW_EVENTS_PER_SECOND). The window is in Redis when REDIS_URL is set, so
 * every app copy counts into it and reads one decision; in this process otherwise. Callers hand
 * over a whole batch's counts at once: one Redis round trip per batch, never per event.
 *
 * Hysteresis: a tenant becomes hot above its threshold and cools only below half of it, and not
 * before it has been hot INGEST_OVERFLOW_MIN_HOT_SECONDS. A start and a stop are each logged
 * once with tenant_id (by the copy whose count made the change). Redis unavailable fails open:
 * every tenant stays on the main topic, a warning once a minute; its client fails fast (no
 * offline queue, 250 ms), so a down Redis never delays a send or a batch.
 *
 * Tiers come from the tenant directory (which bounds its lookups in flight); an id that names
 * no tenant is also remembered here for a minute (bounded), whether or not the directory caches
 * misses. A lookup that fails leaves the tenant as it is (hot or not) rather than guess.
 */
@Injectable()
export class IntakeRateService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IntakeRateService.name);
  private readonly window: IntakeWindow;
  private readonly redis?: Redis;
  private readonly thresholds: OverflowThresholds | null;
  private readonly keyPrefix: string;
  /** Tenants this copy last saw hot, re-read on a timer so a tenant that goes quiet cools. */
  private readonly hot = new Map<string, TenantTier | null>();
  private readonly unknownTenants = new BoundedTtlCache<true>(
    UNKNOWN_TENANTS_MAX,
    UNKNOWN_TENANT_TTL_MS,
  );
  private readonly sweeper: NodeJS.Timeout;
  private lastUnavailableLog = 0;
  /** Whether hot tenants' events really go to the overflow topic (Kafka configured). */
  readonly routes: boolean;

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(KAFKA_CLIENT) kafka: Kafka | null,
    private readonly directory: TenantDirectory,
    @InjectMetric(OVERFLOW_EVENTS) private readonly overflowEvents: Counter<string>,
    @InjectMetric(HOT_TENANTS) private readonly hotTenants: Gauge<string>,
  ) {
    this.thresholds = parseOverflowThresholds(
      config.get('INGEST_OVERFLOW_EVENTS_PER_SECOND', { infer: true }),
    );
    this.routes = kafka !== null && this.thresholds !== null;
    const shape = {
      windowMs: config.get('INGEST_OVERFLOW_WINDOW_SECONDS', { infer: true }) * 1000,
      minHotMs: config.get('INGEST_OVERFLOW_MIN_HOT_SECONDS', { infer: true }) * 1000,
    };
    // Per database: deployments (and test runs) sharing a Redis never share windows; the tenant
    // id in the key lets a tenant's purge find it.
    this.keyPrefix = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:intake-rate:`;
    const url = config.get('REDIS_URL', { infer: true });
    if (url) {
      // Errors surface per call (fail open, logged there).
      this.redis = failFastRedis(url);
      this.window = new RedisIntakeWindow(this.redis, shape);
    } else {
      this.window = new MemoryIntakeWindow(shape);
    }
    this.sweeper = setInterval(() => void this.sweep(), shape.windowMs / 10).unref();
  }

  /** The first connection, so the first batches after start-up are counted too. */
  async onModuleInit(): Promise<void> {
    if (this.redis) await untilReady(this.redis);
  }

  /** Counts a batch's events per tenant; answers, for each tenant of it, whether it is hot. */
  async record(counts: ReadonlyMap<string, number>): Promise<Map<string, IntakeDecision>> {
    const tenants = [...counts.keys()];
    const tiers = await Promise.all(tenants.map((tenantId) => this.tierOf(tenantId)));
    const hits = tenants.map((tenantId, i) =>
      this.hitFor(tenantId, tiers[i], counts.get(tenantId)!),
    );
    const readings = await this.read(hits);
    const decisions = new Map<string, IntakeDecision>();
    tenants.forEach((tenantId, i) => {
      const reading = readings?.[i];
      const tier = this.knownTier(tenantId, tiers[i]);
      this.note(tenantId, tier, reading);
      decisions.set(tenantId, { hot: reading?.hot ?? false, tier });
    });
    return decisions;
  }

  /** The tenant's rate now and whether it overflows (reading the window counts nothing). */
  async status(tenantId: string): Promise<IntakeStatus> {
    const tier = await this.tierOf(tenantId);
    const hit = this.hitFor(tenantId, tier, 0);
    const readings = await this.read([hit]);
    const reading = readings?.[0];
    this.note(tenantId, this.knownTier(tenantId, tier), reading);
    return {
      eventsPerSecond: reading?.eventsPerSecond ?? 0,
      overflowing: reading?.hot ?? false,
      thresholdEventsPerSecond: hit.enterPerSecond,
    };
  }

  /** Counts events that went to the overflow topic, by tier and by who put them there. */
  countOverflow(tier: TenantTier | null, path: 'api' | 'forwarded', events: number): void {
    this.overflowEvents.inc({ tier: tier ?? 'unknown', path }, events);
  }

  private hitFor(tenantId: string, tier: TierLookup, events: number): WindowHit {
    const key = this.keyPrefix + tenantId;
    if (tier === 'unavailable') {
      // Without its tier, its thresholds are unknown: count, and leave it as it is.
      return { key, events, enterPerSecond: null, exitPerSecond: null, hold: true };
    }
    const enter = tier && this.thresholds ? this.thresholds[tier] : null;
    return {
      key,
      events,
      enterPerSecond: enter,
      exitPerSecond: enter === null ? null : enter * EXIT_RATIO,
    };
  }

  /** The tier to report: the looked-up one, else the one last seen while hot. */
  private knownTier(tenantId: string, tier: TierLookup): TenantTier | null {
    return tier === 'unavailable' ? (this.hot.get(tenantId) ?? null) : tier;
  }

  /** The tenant's tier; null for an id naming no tenant (never hot then). */
  private async tierOf(tenantId: string): Promise<TierLookup> {
    if (this.unknownTenants.get(tenantId)) return null;
    try {
      const facts = await this.directory.get(tenantId);
      if (!facts) this.unknownTenants.set(tenantId, true);
      return facts?.tier ?? null;
    } catch {
      return 'unavailable';
    }
  }

  private async read(hits: WindowHit[]): Promise<WindowReading[] | null> {
    try {
      return await this.window.hit(hits);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastUnavailableLog >= UNAVAILABLE_LOG_INTERVAL_MS) {
        this.lastUnavailableLog = now;
        this.logger.warn(
          { err: error },
          'intake-rate store unavailable: every tenant stays on the main topic (fail open)',
        );
      }
      return null;
    }
  }

  /** Keeps this copy's view of hot tenants, and logs a start or stop this copy caused. */
  private note(tenantId: string, tier: TenantTier | null, reading?: WindowReading): void {
    if (!reading) return;
    if (reading.hot) this.hot.set(tenantId, tier);
    else this.hot.delete(tenantId);
    this.hotTenants.set(this.hot.size);
    if (!reading.change) return;
    const threshold = tier && this.thresholds ? this.thresholds[tier] : null;
    const what = this.routes ? 'overflowing' : 'would overflow (no Kafka: nothing is rerouted)';
    this.logger.log(
      {
        tenant_id: tenantId,
        tier,
        events_per_second: reading.eventsPerSecond,
        threshold_events_per_second: threshold,
        routed: this.routes,
      },
      reading.change === 'started'
        ? `tenant started ${what}`
        : `tenant stopped ${this.routes ? 'overflowing' : 'being hot'}`,
    );
  }

  /** Re-reads the tenants this copy saw hot, so one that went quiet cools (and is logged). */
  private async sweep(): Promise<void> {
    if (this.hot.size === 0) return;
    await this.record(new Map([...this.hot.keys()].map((tenantId) => [tenantId, 0]))).catch(
      () => undefined,
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.redis?.disconnect();
  }
}
