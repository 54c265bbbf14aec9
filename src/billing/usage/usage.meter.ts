import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PartialTenantsFailure, TenantContext } from '../../tenancy/scope/tenant.context';
import { type UsageCounts, UsageRepository } from './usage.repository';

export type UsageCounter = keyof UsageCounts;

const FLUSH_MS = 2_000;

/**
 * Accepted, stored, rejected and dead-lettered event counts per tenant per UTC day, for billing.
 * Counted in memory and written every FLUSH_MS in one transaction (one upsert per tenant-day),
 * not one write per event. A crash loses at most the last FLUSH_MS of counts.
 */
@Injectable()
export class UsageMeter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(UsageMeter.name);
  /** Counts not written yet, by tenant and then UTC day: a tenant's are found without a scan. */
  private pending = new Map<string, Map<string, Record<UsageCounter, number>>>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly usage: UsageRepository,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  add(tenantId: string, counter: UsageCounter, count: number, at = new Date()): void {
    if (count <= 0) return;
    this.countsOf(this.pending, tenantId, at.toISOString().slice(0, 10))[counter] += count;
  }

  /**
   * What this process counted for `counter` of the tenant on days from `fromDay` (YYYY-MM-DD)
   * and has not written yet: usage_daily plus this is the tenant's count as far as this
   * process knows.
   */
  pendingSince(tenantId: string, counter: UsageCounter, fromDay: string): number {
    let total = 0;
    for (const [day, counts] of this.pending.get(tenantId) ?? []) {
      if (day >= fromDay) total += counts[counter];
    }
    return total;
  }

  /** Writes what was counted so far; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not write usage counts; kept for the next flush');
      });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.tenantContext.runForEachTenant(batch.keys(), async (tenantId) => {
        for (const [day, counts] of batch.get(tenantId)!) {
          await this.usage.addDailyCounts(tenantId, day, counts);
        }
      });
    } catch (error) {
      // Put the counts back so the next flush carries them: all but those of tenants whose
      // placement's transaction committed before another failed (counts add up: never twice).
      const committed = new Set(error instanceof PartialTenantsFailure ? error.committed : []);
      for (const [tenantId, days] of batch) {
        if (committed.has(tenantId)) continue;
        for (const [day, counts] of days) {
          const current = this.countsOf(this.pending, tenantId, day);
          for (const name of Object.keys(counts) as UsageCounter[]) current[name] += counts[name];
        }
      }
      throw error;
    }
  }

  /** The tenant-day's counts in `pending`, created at zero. */
  private countsOf(
    pending: Map<string, Map<string, Record<UsageCounter, number>>>,
    tenantId: string,
    day: string,
  ): Record<UsageCounter, number> {
    let days = pending.get(tenantId);
    if (!days) pending.set(tenantId, (days = new Map<string, Record<UsageCounter, number>>()));
    let counts = days.get(day);
    if (!counts)
      days.set(day, (counts = { accepted: 0, stored: 0, rejected: 0, dead_lettered: 0 }));
    return counts;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
