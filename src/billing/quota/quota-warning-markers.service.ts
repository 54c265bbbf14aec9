import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RedisRebuildRegistry } from '../../jobs/redis-rebuild.registry';
import { QuotaCounterStore } from './quota-counter.store';
import { monthOf, quotaKeyExpiry, warningMarker } from './quota.service';
import { QuotaWarningsRepository } from './quota-warnings.repository';

/** Markers set again in one go, at most: 2 thresholds for each of 10,000 warned tenants. */
const RESEED_LIMIT = 20_000;

/**
 * A quota warning (audit entry, e-mail, webhook) goes out once per threshold per month: a Redis
 * marker claimed by the crossing reservation guards it. A Redis that comes back empty (or the
 * fresh one of a restored stack) has lost the markers, and a release and re-crossing would warn
 * again. So the month's markers are set again from the audit log, at start-up and as a step of
 * the Redis rebuild (SET NX: a marker still there is left alone). Without Redis there are no
 * markers, and no counters to cross them.
 */
@Injectable()
export class QuotaWarningMarkersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(QuotaWarningMarkersService.name);

  constructor(
    private readonly counters: QuotaCounterStore,
    private readonly warnings: QuotaWarningsRepository,
    private readonly rebuilds: RedisRebuildRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.counters.client) return;
    this.rebuilds.add({ name: 'quota_warnings', restore: () => this.reseed() });
    // Not awaited: Redis or the database being away must not hold the app's start.
    void this.reseed().then(
      (markers) => {
        if (markers > 0) this.logger.log({ msg: 'quota warning markers set again', markers });
      },
      (error: unknown) =>
        this.logger.warn({ err: error }, 'could not set the quota warning markers again'),
    );
  }

  /** Sets the current month's markers of every warning already sent; answers how many. */
  async reseed(now = new Date()): Promise<number> {
    const { month, resetsAt } = monthOf(now);
    const sent = await this.warnings.sentIn(month, RESEED_LIMIT);
    const expireAt = quotaKeyExpiry(resetsAt);
    for (const { tenantId, threshold } of sent) {
      await this.counters.claimOnce(warningMarker(tenantId, month, threshold), expireAt);
    }
    return sent.length;
  }
}
