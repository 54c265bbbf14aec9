import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
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
  private pending = new Map<string, Record<UsageCounter, number>>();
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
    const key = `${tenantId}|${at.toISOString().slice(0, 10)}`;
    const counts = this.pending.get(key) ?? {
      accepted: 0,
      stored: 0,
      rejected: 0,
      dead_lettered: 0,
    };
    counts[counter] += count;
    this.pending.set(key, counts);
  }

  /**
   * What this process counted for `counter` of the tenant on days from `fromDay` (YYYY-MM-DD)
   * and has not written yet: usage_daily plus this is the tenant's count as far as this
   * process knows.
   */
  pendingSince(tenantId: string, counter: UsageCounter, fromDay: string): number {
    let total = 0;
    for (const [key, counts] of this.pending) {
      const [id, day] = key.split('|');
      if (id === tenantId && day >= fromDay) total += counts[counter];
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
    const byTenant = new Map<string, { day: string; counts: Record<UsageCounter, number> }[]>();
    for (const [key, counts] of batch) {
      const [tenantId, day] = key.split('|');
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), { day, counts }]);
    }
    try {
      await this.tenantContext.runForEachTenant(byTenant.keys(), async (tenantId) => {
        for (const { day, counts } of byTenant.get(tenantId)!) {
          await this.usage.addDailyCounts(tenantId, day, counts);
        }
      });
    } catch (error) {
      // Put the counts back so the next flush carries them.
      for (const [key, counts] of batch) {
        const current = this.pending.get(key);
        if (!current) this.pending.set(key, counts);
        else
          for (const name of Object.keys(counts) as UsageCounter[]) current[name] += counts[name];
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
