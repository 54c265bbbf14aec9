import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import type { Environment } from '../../config/environment';
import type { Tenant } from '../../tenancy/tenant.entity';
import { EntitlementsService } from '../plans/entitlements.service';
import { hitSlidingWindow, withSlidingWindow } from './sliding-window';
import { failFastRedis, untilReady } from '../../common/fail-fast-redis';
import { ThrottledWarning } from '../../common/throttled-warning';

export const RATE_LIMIT_REFUSALS = 'tenantry_rate_limit_refusals_total';
export const RATE_LIMIT_UNAVAILABLE = 'tenantry_rate_limit_unavailable_total';

/** The window every plan's figure is per: one minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** One tenant request checked against the tenant's budget. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window frees a slot (IETF draft-06 RateLimit-Reset). */
  resetSeconds: number;
}

/**
 * The per-tenant API rate limit: requests per minute from the tenant's plan, every credential
 * of the tenant together, counted in one Redis sliding-window log that every app copy shares
 * (see sliding-window.ts; why not @nestjs/throttler: README, "Rate limits").
 *
 * Answers null when the request is not counted: no Redis configured, the limit switched off
 * (TENANT_RATE_LIMIT_PER_MINUTE=off), or Redis unavailable. Redis down fails open: the request
 * goes on, the miss is counted in tenantry_rate_limit_unavailable_total, and a warning naming
 * the tenant is logged at most once a minute per process.
 */
@Injectable()
export class TenantRateLimiterService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TenantRateLimiterService.name);
  private readonly redis?: ReturnType<typeof withSlidingWindow>;
  private readonly keyPrefix: string;
  private readonly override: number | 'plan' | 'off';
  private readonly instance = randomUUID().slice(0, 8);
  private sequence = 0;
  /** While Redis is down, one warning a minute per process (every miss is counted). */
  private readonly unavailableWarning = new ThrottledWarning(this.logger);

  constructor(
    config: ConfigService<Environment, true>,
    @InjectMetric(RATE_LIMIT_REFUSALS) private readonly refusals: Counter<string>,
    @InjectMetric(RATE_LIMIT_UNAVAILABLE) private readonly unavailable: Counter<string>,
    private readonly entitlements: EntitlementsService,
  ) {
    const setting = config.get('TENANT_RATE_LIMIT_PER_MINUTE', { infer: true });
    this.override = setting === 'plan' || setting === 'off' ? setting : Number(setting);
    // Per database: deployments (and test runs) sharing a Redis never share budgets.
    this.keyPrefix = `tenantry:${config.get('DATABASE_NAME', { infer: true })}:rate-limit:`;
    const url = config.get('REDIS_URL', { infer: true });
    if (!url) {
      this.logger.warn('REDIS_URL is not set: the per-tenant API rate limit is off');
      return;
    }
    if (this.override === 'off') return;
    // A down Redis costs a request milliseconds, not a wait; errors are counted per request.
    this.redis = withSlidingWindow(failFastRedis(url));
  }

  /** Waits (briefly) for the connection, so the first requests after start are counted too. */
  async onModuleInit(): Promise<void> {
    if (this.redis) await untilReady(this.redis);
  }

  /** Counts one request of the tenant; null when it is not counted (see the class comment). */
  async check(tenant: Tenant): Promise<RateLimitDecision | null> {
    if (!this.redis) return null;
    const limit = await this.limitFor(tenant);
    try {
      this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
      const decision = await hitSlidingWindow(
        this.redis,
        this.keyPrefix + tenant.id,
        limit,
        RATE_LIMIT_WINDOW_MS,
        `${this.instance}:${this.sequence}`,
      );
      if (!decision.allowed) this.refusals.inc({ tier: tenant.tier });
      return {
        allowed: decision.allowed,
        limit,
        remaining: decision.remaining,
        resetSeconds: Math.max(1, Math.ceil(decision.resetMs / 1000)),
      };
    } catch (error) {
      this.unavailable.inc();
      this.unavailableWarning.warn(
        { err: error, tenant_id: tenant.id },
        'rate-limit store unavailable: tenant requests pass uncounted (fail open)',
      );
      return null;
    }
  }

  /** The tenant's requests per minute: its plan's, with its contract's override if any. */
  private async limitFor(tenant: Tenant): Promise<number> {
    if (typeof this.override === 'number') return this.override;
    return (await this.entitlements.termsOf(tenant)).apiRequestsPerMinute;
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
