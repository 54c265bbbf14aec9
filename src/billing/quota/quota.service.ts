import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { AuditService } from '../../audit/audit.service';
import type { FieldError } from '../../common/field-error';
import type { Actor } from '../../tenancy/scope/actor';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { EntitlementsService } from '../plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { UsageMeter } from '../usage/usage.meter';
import { UsageRepository } from '../usage/usage.repository';
import { QuotaCounterStore, QuotaCounterUnavailableError } from './quota-counter.store';

export const QUOTA_REFUSED = 'tenantry_quota_events_refused_total';
export const QUOTA_OVERAGE = 'tenantry_quota_events_overage_total';
export const QUOTA_FALLBACKS = 'tenantry_quota_redis_fallbacks_total';

/** What the quota needs of a tenant: its id and its plan. */
export type QuotaTenant = Pick<Tenant, 'id' | 'tier' | 'planId' | 'planOverrides'>;

/** What happens past the monthly event quota: starter stops, the others pay overage. */
export type OverQuota = 'refuse' | 'overage';

/** The quota warnings: a share of the month's quota, each recorded once per month. */
export const WARNING_THRESHOLDS = [80, 100] as const;

export interface QuotaTerms {
  eventsPerMonth: number;
  overQuota: OverQuota;
}

/** The answer to a reservation of `requested` events. */
export interface QuotaDecision {
  /** How many of the requested events may be accepted (the first ones, in order). */
  granted: number;
  quota: number;
  /** The month's accepted count after this reservation. */
  used: number;
  overQuota: OverQuota;
  /** First instant of next month (UTC): when the quota starts over. */
  resetsAt: Date;
}

/** The error of an event refused because the month's quota is reached (field `quota`). */
export function quotaError(decision: QuotaDecision): FieldError {
  return {
    field: 'quota',
    message:
      `quota_exceeded: the monthly event quota (${decision.quota}) is reached; ` +
      `it resets at ${decision.resetsAt.toISOString()}`,
  };
}

/** The calendar month (UTC) of `at`: its key, first day and the first instant after it. */
export function monthOf(at: Date): { month: string; firstDay: string; resetsAt: Date } {
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const next = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  const firstDay = new Date(start).toISOString().slice(0, 10);
  return { month: firstDay.slice(0, 7), firstDay, resetsAt: next };
}

/**
 * The monthly event quota at intake (POST /v1/events and direct Kafka producers), exact across
 * app copies: every accepted event is reserved first on one Redis counter per tenant-month (a
 * Lua script, so concurrent reservations never grant past the quota). A cold counter (a new
 * month, or Redis flushed) starts from usage_daily's accepted count of the month, so losing Redis
 * never grants a second quota. Redis unreachable: refuse-plans are checked against usage_daily
 * (plus this process's unwritten counts), overage-plans accept; both are counted in a metric.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger(QuotaService.name);

  constructor(
    private readonly counters: QuotaCounterStore,
    private readonly usage: UsageRepository,
    private readonly meter: UsageMeter,
    private readonly tenantContext: TenantContext,
    private readonly audit: AuditService,
    @InjectMetric(QUOTA_REFUSED) private readonly refusedTotal: Counter<string>,
    @InjectMetric(QUOTA_OVERAGE) private readonly overageTotal: Counter<string>,
    @InjectMetric(QUOTA_FALLBACKS) private readonly fallbacks: Counter<string>,
    private readonly entitlements: EntitlementsService,
  ) {}

  /**
   * Reserves up to `requested` events of the tenant's month at `at`. `whole`: all or none (a
   * Kafka message); otherwise as many as fit (an HTTP batch). The caller accepts the first
   * `granted` events and refuses the rest with reason quota_exceeded.
   */
  async reserve(
    tenant: QuotaTenant,
    requested: number,
    options: { whole?: boolean; at?: Date; actor?: Actor } = {},
  ): Promise<QuotaDecision> {
    const at = options.at ?? new Date();
    const terms = await this.termsOf(tenant);
    const { month, firstDay, resetsAt } = monthOf(at);
    const base = { quota: terms.eventsPerMonth, overQuota: terms.overQuota, resetsAt };
    if (requested <= 0) return { ...base, granted: 0, used: 0 };
    const mode = terms.overQuota === 'overage' ? 'overage' : options.whole ? 'all' : 'partial';
    const key = this.counters.counterKey(tenant.id, month);
    const expireAt = quotaKeyExpiry(resetsAt);
    let decision: QuotaDecision;
    try {
      let answer = await this.counters.reserve(key, requested, terms.eventsPerMonth, mode, expireAt);
      if (answer === 'cold') {
        const seed = await this.acceptedThisMonth(tenant.id, firstDay);
        answer = await this.counters.reserve(
          key,
          requested,
          terms.eventsPerMonth,
          mode,
          expireAt,
          seed,
        );
        if (answer === 'cold') throw new QuotaCounterUnavailableError('counter did not seed');
      }
      decision = { ...base, ...answer };
      await this.warnOnCrossing(tenant.id, decision, month, expireAt, options.actor);
    } catch (error) {
      if (!(error instanceof QuotaCounterUnavailableError)) throw error;
      decision = await this.fallback(tenant.id, requested, terms, firstDay, base, options.whole);
    }
    if (decision.granted < requested) {
      this.refusedTotal.inc({ tier: tenant.tier }, requested - decision.granted);
      this.logger.warn({
        msg: 'events refused: monthly quota reached',
        tenant_id: tenant.id,
        refused: requested - decision.granted,
        quota: decision.quota,
        used: decision.used,
      });
    }
    const over = Math.min(decision.granted, decision.used - decision.quota);
    if (over > 0) this.overageTotal.inc(over);
    return decision;
  }

  /** Gives back `count` events reserved at `at` that were not accepted after all. */
  async release(tenantId: string, count: number, at: Date): Promise<void> {
    if (count <= 0) return;
    const key = this.counters.counterKey(tenantId, monthOf(at).month);
    await this.counters.release(key, count).catch((error: unknown) => {
      this.logger.warn({ err: error, tenant_id: tenantId }, 'could not release a quota reservation');
    });
  }

  /**
   * The tenant's quota now, for GET /v1/usage: call inside its tenant scope. `used` is the
   * Redis counter when it is warm, else usage_daily's accepted count of the month.
   */
  async status(
    tenant: QuotaTenant,
    at = new Date(),
  ): Promise<QuotaDecision & { warnings: { threshold: number; reached: boolean }[] }> {
    const terms = await this.termsOf(tenant);
    const { month, firstDay, resetsAt } = monthOf(at);
    const recorded = await this.acceptedThisMonth(tenant.id, firstDay);
    const counted = await this.counters
      .used(this.counters.counterKey(tenant.id, month))
      .catch(() => null);
    const used = Math.max(recorded, counted ?? 0);
    return {
      granted: 0,
      quota: terms.eventsPerMonth,
      used,
      overQuota: terms.overQuota,
      resetsAt,
      warnings: WARNING_THRESHOLDS.map((threshold) => ({
        threshold,
        reached: used >= thresholdCount(terms.eventsPerMonth, threshold),
      })),
    };
  }

  /** The tenant's monthly events and what happens past them: its plan, with its overrides. */
  private async termsOf(tenant: QuotaTenant): Promise<QuotaTerms> {
    const { eventsPerMonth, overQuota } = await this.entitlements.termsOf(tenant);
    return { eventsPerMonth, overQuota };
  }

  /** usage_daily's accepted events of the month plus what this process has not written yet. */
  private async acceptedThisMonth(tenantId: string, firstDay: string): Promise<number> {
    const next = monthOf(new Date(`${firstDay}T00:00:00Z`)).resetsAt.toISOString().slice(0, 10);
    const counts = await this.tenantContext.runInTenant(tenantId, () =>
      this.usage.totals(firstDay, next),
    );
    return counts.accepted + this.meter.pendingSince(tenantId, 'accepted', firstDay);
  }

  /** Redis away: refuse-plans against PostgreSQL (not exact across copies), overage-plans open. */
  private async fallback(
    tenantId: string,
    requested: number,
    terms: QuotaTerms,
    firstDay: string,
    base: Omit<QuotaDecision, 'granted' | 'used'>,
    whole?: boolean,
  ): Promise<QuotaDecision> {
    this.fallbacks.inc({ over_quota: terms.overQuota });
    const used = await this.acceptedThisMonth(tenantId, firstDay);
    if (terms.overQuota === 'overage') return { ...base, granted: requested, used: used + requested };
    const room = Math.max(0, terms.eventsPerMonth - used);
    const granted = requested <= room ? requested : whole ? 0 : room;
    this.logger.warn({
      msg: 'quota counters unavailable: checked against usage_daily',
      tenant_id: tenantId,
    });
    return { ...base, granted, used: used + granted };
  }

  /**
   * One audit entry per threshold per month in the tenant's own log: the reservation that
   * crosses it is unique (the counter moves atomically), and a marker claimed once guards
   * against a release and re-crossing.
   */
  private async warnOnCrossing(
    tenantId: string,
    decision: QuotaDecision,
    month: string,
    expireAt: number,
    actor?: Actor,
  ): Promise<void> {
    if (decision.granted <= 0) return;
    const before = decision.used - decision.granted;
    for (const threshold of WARNING_THRESHOLDS) {
      const mark = thresholdCount(decision.quota, threshold);
      if (!(before < mark && decision.used >= mark)) continue;
      try {
        if (!(await this.counters.claimOnce(warningMarker(tenantId, month, threshold), expireAt)))
          continue;
        await this.tenantContext.runInTenant(tenantId, () =>
          this.audit.record(
            {
              action: 'usage.quota_warning',
              resourceType: 'event_quota',
              details: {
                threshold,
                month,
                quota: decision.quota,
                used: decision.used,
                over_quota: decision.overQuota,
                resets_at: decision.resetsAt.toISOString(),
              },
            },
            actor ?? { type: 'anonymous', id: null, ip: null, userAgent: null },
          ),
        );
        this.logger.log({ msg: 'quota warning', tenant_id: tenantId, threshold, month });
      } catch (error) {
        this.logger.error({ err: error, tenant_id: tenantId }, 'could not record a quota warning');
      }
    }
  }
}

/** A quota key's expiry (unix seconds): a day after its month, so late reads still find it. */
export function quotaKeyExpiry(resetsAt: Date): number {
  return Math.floor(resetsAt.getTime() / 1000) + 86_400;
}

/** The marker claimed once a tenant's month crossed a warning threshold (QuotaCounterStore). */
export function warningMarker(tenantId: string, month: string, threshold: number): string {
  return `warned:${tenantId}:${month}:${threshold}`;
}

function thresholdCount(quota: number, threshold: number): number {
  return Math.ceil((quota * threshold) / 100);
}
