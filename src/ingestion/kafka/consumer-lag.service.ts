import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA_CLIENT } from './kafka-connection';

/**
 * Consumer groups' lag read from the broker, through one Kafka admin connection per app copy
 * (the consumers' monitors and the tenant health card share it), connected on first use. A
 * read that fails drops the connection, so the next one starts afresh.
 */
@Injectable()
export class ConsumerLagService implements OnModuleDestroy {
  private admin?: Admin;
  private connected?: Promise<void>;
  private closed = false;

  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka | null) {}

  /** Whether there is a broker at all (without Kafka, events are written in-process). */
  get configured(): boolean {
    return this.kafka !== null;
  }

  /** The group's lag on each partition of the topic: end offset minus committed offset. */
  async read(topic: string, groupId: string): Promise<Map<number, number>> {
    if (!this.kafka) throw new Error('Kafka is not configured');
    if (this.closed) throw new Error('the consumer lag reader is closed');
    const admin = (this.admin ??= this.kafka.admin());
    this.connected ??= admin.connect();
    try {
      await this.connected;
      return await readPartitionLag(admin, topic, groupId);
    } catch (error) {
      if (this.admin === admin) this.drop();
      throw error;
    }
  }

  private drop(): void {
    const admin = this.admin;
    this.admin = undefined;
    this.connected = undefined;
    void admin?.disconnect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    const connected = this.connected;
    this.admin = undefined;
    this.connected = undefined;
    if (connected) await admin?.disconnect().catch(() => undefined);
  }
}

/** A group's lag on each partition of a topic: end offset minus committed offset. */
export async function readPartitionLag(
  admin: Admin,
  topic: string,
  groupId: string,
): Promise<Map<number, number>> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const committedBy = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  const lag = new Map<number, number>();
  for (const { partition, high, low } of ends) {
    const at = committedBy.get(partition) ?? -1;
    // Nothing committed yet: the group starts from the earliest offset still on the topic.
    lag.set(partition, Number(high) - (at < 0 ? Number(low) : at));
  }
  return lag;
}
