import { Injectable } from '@nestjs/common';
import { PartitionLagService } from './partition-lag.service';
import { TenantIntakeRepository } from './tenant-intake.repository';

/** Today's accepted events by tenant and by partition, as read at `readAt`. */
interface DayIntake {
  day: string;
  partitions: number;
  readAt: number;
  byTenant: Map<string, number>;
  byPartition: number[];
}

/** How long one read of every tenant's day serves the health card on this app copy. */
const CACHE_MS = 10_000;
/**
 * last_accepted_at is the database's time when the usage meter's write began: a read that
 * started before it plus this (commit, clocks) may not hold the write.
 */
const USAGE_WRITE_SLACK_MS = 2_000;

/**
 * Each tenant's accepted events of the UTC day, summed per partition of the events topic: the
 * basis of a tenant's share of its partition's backlog. Every tenant's row of the day (up to
 * 100,000) is read and placed on its partition once per CACHE_MS per app copy, not per request;
 * concurrent requests share the read. A tenant missing from a read that may predate its last
 * accepted events (it just started sending) gets a newer read rather than a share of 0.
 */
@Injectable()
export class PartitionIntakeService {
  private cached?: { day: string; partitions: number; readAt: number; intake: Promise<DayIntake> };

  constructor(
    private readonly intake: TenantIntakeRepository,
    private readonly lag: PartitionLagService,
  ) {}

  /** The tenant's accepted events today, and those of every tenant keyed to its partition. */
  async shareOf(
    tenantId: string,
    partition: number,
    partitions: number,
    now: Date,
    lastEventAt: Date | null,
  ): Promise<{ own: number; onPartition: number }> {
    const day = now.toISOString().slice(0, 10);
    let intake = await this.read(day, partitions);
    const missed =
      !intake.byTenant.has(tenantId) &&
      lastEventAt !== null &&
      intake.readAt < lastEventAt.getTime() + USAGE_WRITE_SLACK_MS;
    // Any read newer than the one that missed (one for all the requests that missed together).
    if (missed) intake = await this.read(day, partitions, intake.readAt + 1);
    return {
      own: intake.byTenant.get(tenantId) ?? 0,
      onPartition: intake.byPartition[partition] ?? 0,
    };
  }

  /** The cached read when it is recent and started at `notBefore` or later; else a new one. */
  private read(day: string, partitions: number, notBefore = 0): Promise<DayIntake> {
    const cached = this.cached;
    if (
      cached &&
      cached.day === day &&
      cached.partitions === partitions &&
      Date.now() - cached.readAt < CACHE_MS &&
      cached.readAt >= notBefore
    ) {
      return cached.intake;
    }
    const readAt = Math.max(Date.now(), notBefore);
    const intake = this.intake.acceptedOnDay(day).then((byTenant) => {
      const byPartition = new Array<number>(partitions).fill(0);
      for (const [tenantId, count] of byTenant) {
        byPartition[this.lag.partitionOf(tenantId, partitions)] += count;
      }
      return { day, partitions, readAt, byTenant, byPartition };
    });
    const entry = { day, partitions, readAt, intake };
    this.cached = entry;
    intake.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return intake;
  }
}
