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
/** The usage meter writes accepted events within 2 s: a read this recent may miss them. */
const USAGE_FLUSH_SLACK_MS = 5_000;
/** A fresh read for a tenant the last one missed: at most this often. */
const FRESH_READ_MS = 1_000;

/**
 * Each tenant's accepted events of the UTC day, summed per partition of the events topic: the
 * basis of a tenant's share of its partition's backlog. Every tenant's row of the day (up to
 * 100,000) is read and placed on its partition once per CACHE_MS per app copy, not per request;
 * concurrent requests share the read. A tenant missing from a read that its last accepted event
 * may postdate (it just started sending) gets a fresh read rather than a share of 0.
 */
@Injectable()
export class PartitionIntakeService {
  private cached?: { day: string; partitions: number; at: number; intake: Promise<DayIntake> };

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
    let intake = await this.read(day, partitions, false);
    const missed =
      !intake.byTenant.has(tenantId) &&
      lastEventAt !== null &&
      lastEventAt.getTime() >= intake.readAt - USAGE_FLUSH_SLACK_MS;
    if (missed) intake = await this.read(day, partitions, true);
    return {
      own: intake.byTenant.get(tenantId) ?? 0,
      onPartition: intake.byPartition[partition] ?? 0,
    };
  }

  private read(day: string, partitions: number, fresh: boolean): Promise<DayIntake> {
    const cached = this.cached;
    if (
      cached &&
      cached.day === day &&
      cached.partitions === partitions &&
      Date.now() - cached.at < (fresh ? FRESH_READ_MS : CACHE_MS)
    ) {
      return cached.intake;
    }
    const readAt = Date.now();
    const intake = this.intake.acceptedOnDay(day).then((byTenant) => {
      const byPartition = new Array<number>(partitions).fill(0);
      for (const [tenantId, count] of byTenant) {
        byPartition[this.lag.partitionOf(tenantId, partitions)] += count;
      }
      return { day, partitions, readAt, byTenant, byPartition };
    });
    const entry = { day, partitions, at: readAt, intake };
    this.cached = entry;
    intake.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return intake;
  }
}
