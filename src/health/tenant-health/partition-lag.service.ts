import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type Admin, type Kafka, Partitioners } from 'kafkajs';
import type { Environment } from '../../config/environment';
import { readPartitionLag } from '../../ingestion/kafka/consumer.monitor';
import { KAFKA_CLIENT } from '../../ingestion/kafka/kafka-connection';

export interface PartitionLag {
  group: string;
  topic: string;
  /** Messages the group has not committed past, by partition. */
  partitions: Map<number, number>;
}

const CACHE_MS = 1_000;

/**
 * The ingestion consumer group's lag on each partition of the events topic, read from the broker
 * (so an API-only app copy answers too), at most once a second; and which partition a tenant's
 * events go to (they are keyed by tenant id, placed by kafkajs's default partitioner).
 */
@Injectable()
export class PartitionLagService implements OnModuleDestroy {
  private admin?: Admin;
  private connected?: Promise<void>;
  private cached?: { at: number; lag: Promise<PartitionLag> };
  private readonly topic: string;
  private readonly group: string;
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka | null,
    config: ConfigService<Environment, true>,
  ) {
    this.topic = config.get('KAFKA_EVENTS_TOPIC', { infer: true });
    this.group = config.get('KAFKA_CONSUMER_GROUP', { infer: true });
  }

  /** Whether there is a topic at all (without Kafka, events are written in-process). */
  get configured(): boolean {
    return this.kafka !== null;
  }

  read(): Promise<PartitionLag> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.lag;
    const lag = this.fetch();
    this.cached = { at: Date.now(), lag };
    lag.catch(() => (this.cached = undefined));
    return lag;
  }

  /** The partition of `partitions` that a message keyed by the tenant's id lands on. */
  partitionOf(tenantId: string, partitions: number): number {
    return this.partitioner({
      topic: this.topic,
      partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      })),
      message: { key: tenantId, value: null },
    });
  }

  private async fetch(): Promise<PartitionLag> {
    if (!this.kafka) throw new Error('Kafka is not configured');
    this.admin ??= this.kafka.admin();
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const partitions = await readPartitionLag(this.admin, this.topic, this.group);
    return { group: this.group, topic: this.topic, partitions };
  }

  async onModuleDestroy(): Promise<void> {
    if (this.connected) await this.admin?.disconnect().catch(() => undefined);
  }
}
