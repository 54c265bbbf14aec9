import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { ConsumerLagService } from '../../ingestion/kafka/consumer-lag.service';
import { PartitionIntakeService } from './partition-intake.service';
import { PartitionLagService } from './partition-lag.service';
import type { TenantIntakeRepository } from './tenant-intake.repository';

/** The day's rows as the platform function returns them; counts its reads. */
class DayRows {
  rows = new Map<string, number>();
  reads = 0;

  acceptedOnDay(): Promise<Map<string, number>> {
    this.reads += 1;
    return Promise.resolve(new Map(this.rows));
  }
}

describe('PartitionIntakeService', () => {
  const now = new Date();
  const lag = new PartitionLagService(
    { configured: true } as unknown as ConsumerLagService,
    new ConfigService({ KAFKA_EVENTS_TOPIC: 'events', KAFKA_CONSUMER_GROUP: 'group' }) as never,
  );
  let day: DayRows;
  let intake: PartitionIntakeService;
  beforeEach(() => {
    day = new DayRows();
    intake = new PartitionIntakeService(day as unknown as TenantIntakeRepository, lag);
  });

  it("sums each partition's tenants once, and serves many requests from one read", async () => {
    const tenants = Array.from({ length: 200 }, () => randomUUID());
    tenants.forEach((tenantId, i) => day.rows.set(tenantId, i + 1));
    const [tenant] = tenants;
    const partition = lag.partitionOf(tenant, 6);
    const expected = tenants
      .filter((tenantId) => lag.partitionOf(tenantId, 6) === partition)
      .reduce((sum, tenantId) => sum + day.rows.get(tenantId)!, 0);
    for (const tenantId of tenants.slice(0, 20)) {
      const share = await intake.shareOf(tenantId, lag.partitionOf(tenantId, 6), 6, now, now);
      expect(share.own).toBe(day.rows.get(tenantId));
    }
    expect(await intake.shareOf(tenant, partition, 6, now, now)).toEqual({
      own: 1,
      onPartition: expected,
    });
    expect(day.reads).toBe(1);
  });

  it('reads again for a tenant that started sending after the last read, not for a quiet one', async () => {
    const quiet = randomUUID();
    const starting = randomUUID();
    await intake.shareOf(quiet, 0, 3, now, null);
    expect(await intake.shareOf(quiet, 0, 3, now, new Date(Date.now() - 86_400_000))).toEqual({
      own: 0,
      onPartition: 0,
    });
    expect(day.reads).toBe(1);
    day.rows.set(starting, 7);
    const share = await intake.shareOf(starting, lag.partitionOf(starting, 3), 3, now, new Date());
    expect(share).toEqual({ own: 7, onPartition: 7 });
    expect(day.reads).toBe(2);
    // Found in the newer read: served from it.
    await intake.shareOf(starting, lag.partitionOf(starting, 3), 3, now, new Date());
    expect(day.reads).toBe(2);
  });
});
