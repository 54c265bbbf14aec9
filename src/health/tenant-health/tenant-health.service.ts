import { Injectable, Logger } from '@nestjs/common';
import { QueryLatencyRepository } from '../../analytics/cost/query-latency.repository';
import { PlanTermsResponse } from '../../billing/plans/dto/plan.response';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { QuotaService } from '../../billing/quota/quota.service';
import { UsageRepository } from '../../billing/usage/usage.repository';
import {
  DEAD_LETTER_DAYS,
  DeadLetterCountsStore,
} from '../../ingestion/dead-letters/dead-letter-counts.store';
import { IntakeRateService } from '../../ingestion/overflow/intake-rate.service';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Tenant } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';
import type { TenantHealthResponse } from './dto/tenant-health.response';
import { PartitionIntakeService } from './partition-intake.service';
import { PartitionLagService } from './partition-lag.service';

/** The query latency window of the health card. */
export const QUERY_WINDOW_MINUTES = 60;

/**
 * One tenant's operating figures for the platform operator (GET /admin/tenants/:id/health):
 * when it last sent events, its dead letters by reason, its analytics latency, its share of the
 * consumer backlog, and the limits it runs under. Each figure is read under the tenant's own
 * scope or from a per-tenant key, so no other tenant's figures mix in; a store that does not
 * answer leaves its figure null instead of failing the card.
 */
@Injectable()
export class TenantHealthService {
  private readonly logger = new Logger(TenantHealthService.name);

  constructor(
    private readonly tenants: TenantsService,
    private readonly tenantContext: TenantContext,
    private readonly usage: UsageRepository,
    private readonly latency: QueryLatencyRepository,
    private readonly deadLetters: DeadLetterCountsStore,
    private readonly lag: PartitionLagService,
    private readonly partitionIntake: PartitionIntakeService,
    private readonly quota: QuotaService,
    private readonly entitlements: EntitlementsService,
    private readonly intakeRate: IntakeRateService,
  ) {}

  async forTenant(id: string, now = new Date()): Promise<TenantHealthResponse> {
    const tenant = await this.tenants.get(id);
    const since = new Date(now.getTime() - QUERY_WINDOW_MINUTES * 60_000);
    const { lastEventAt, queries } = await this.tenantContext.runInTenant(tenant.id, async () => ({
      lastEventAt: await this.usage.lastAcceptedAt(),
      queries: await this.latency.since(tenant.id, since),
    }));
    const terms = await this.entitlements.termsOf(tenant);
    const month = await this.quota.status(tenant, now);
    const lastEvent = lastEventAt ? new Date(lastEventAt) : null;
    const intake = await this.intakeOf(tenant);
    return {
      tenant_id: tenant.id,
      status: tenant.status,
      tier: tenant.tier,
      at: now.toISOString(),
      last_event_at: lastEvent ? lastEvent.toISOString() : null,
      intake,
      dead_letters: await this.deadLettersOf(tenant, now),
      queries: {
        window_minutes: QUERY_WINDOW_MINUTES,
        queries: queries.queries,
        p95_ms: queries.p95Ms === null ? null : Math.round(queries.p95Ms * 1000) / 1000,
      },
      lag: await this.lagShareOf(tenant, now, lastEvent, intake?.overflowing ?? false),
      limits: {
        terms: PlanTermsResponse.fromTerms(terms),
        api_requests_per_minute: terms.apiRequestsPerMinute,
        events_this_month: {
          used: month.used,
          quota: month.quota,
          over_quota: month.overQuota,
          resets_at: month.resetsAt.toISOString(),
        },
      },
    };
  }

  /** Events per second now and whether the tenant is routed to the overflow topic. */
  private async intakeOf(tenant: Tenant): Promise<TenantHealthResponse['intake']> {
    try {
      const status = await this.intakeRate.status(tenant.id);
      return {
        events_per_second_now: Math.round(status.eventsPerSecond * 1000) / 1000,
        overflowing: status.overflowing,
        overflow_threshold_events_per_second: status.thresholdEventsPerSecond,
      };
    } catch (error) {
      this.logger.warn({ err: error, tenant_id: tenant.id }, 'intake rate unavailable');
      return null;
    }
  }

  private async deadLettersOf(
    tenant: Tenant,
    now: Date,
  ): Promise<TenantHealthResponse['dead_letters']> {
    if (!this.deadLetters.configured) return null;
    try {
      const byReason = await this.deadLetters.countsOf(tenant.id, now);
      const total = Object.values(byReason).reduce((sum, count) => sum + count, 0);
      return { days: DEAD_LETTER_DAYS, total, by_reason: byReason };
    } catch (error) {
      this.logger.warn({ err: error, tenant_id: tenant.id }, 'dead-letter counts unavailable');
      return null;
    }
  }

  /**
   * The tenant's share of the backlog. Its events are keyed to one partition, so what waits
   * ahead of its next event is that partition's lag; the part of it that is the tenant's own is
   * estimated from its share of today's accepted events among the tenants on that partition.
   * While it overflows, its events wait on the overflow topic instead, which holds hot tenants'
   * events only: that group's whole lag is added.
   */
  private async lagShareOf(
    tenant: Tenant,
    now: Date,
    lastEventAt: Date | null,
    overflowing: boolean,
  ): Promise<TenantHealthResponse['lag']> {
    if (!this.lag.configured) return null;
    try {
      const { group, topic, partitions } = await this.lag.read();
      if (partitions.size === 0) return null;
      const partition = this.lag.partitionOf(tenant.id, partitions.size);
      const { own, onPartition } = await this.partitionIntake.shareOf(
        tenant.id,
        partition,
        partitions.size,
        now,
        lastEventAt,
      );
      const share = onPartition > 0 ? Math.min(1, own / onPartition) : 0;
      const partitionLag = Math.max(0, partitions.get(partition) ?? 0);
      const overflowLag = overflowing ? totalLag((await this.lag.readOverflow()).partitions) : null;
      return {
        group,
        topic,
        partition,
        partition_lag: partitionLag,
        group_lag: totalLag(partitions),
        intake_share: Math.round(share * 10_000) / 10_000,
        overflow_lag: overflowLag,
        estimated_backlog: Math.round(partitionLag * share) + (overflowLag ?? 0),
      };
    } catch (error) {
      this.logger.warn({ err: error, tenant_id: tenant.id }, 'consumer lag unavailable');
      return null;
    }
  }
}

/** Messages a group has not committed past, over every partition. */
function totalLag(partitions: Map<number, number>): number {
  let lag = 0;
  for (const behind of partitions.values()) lag += Math.max(0, behind);
  return lag;
}
