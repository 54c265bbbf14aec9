import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { Environment } from '../../config/environment';
import { ConsumerLagService } from '../../ingestion/kafka/consumer-lag.service';
import { overflowTopic } from '../../ingestion/kafka/kafka-connection';

export interface PartitionLag {
  group: string;
  topic: string;
  /** Messages the group has not committed past, by partition. */
  partitions: Map<number, number>;
}

const CACHE_MS = 1_000;

/**
 * The ingestion consumer groups' lag on each partition of their topics (the main one and the
 * overflow one), read from the broker (so an API-only app copy answers too) through the app
 * copy's one admin connection, at most once a second each; and which partition a tenant's events
 * go to (they are keyed by tenant id, placed by kafkajs's default partitioner).
 */
@Injectable()
export class PartitionLagService {
  private readonly cached = new Map<string, { at: number; lag: Promise<PartitionLag> }>();
  private readonly topic: string;
  private readonly group: string;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /** The partitioner's view of the topic, built once per partition count. */
  private metadata: PartitionMetadata[] = [];

  constructor(
    private readonly lagReader: ConsumerLagService,
    config: ConfigService<Environment, true>,
  ) {
    this.topic = config.get('KAFKA_EVENTS_TOPIC', { infer: true });
    this.group = config.get('KAFKA_CONSUMER_GROUP', { infer: true });
  }

  /** Whether there is a topic at all (without Kafka, events are written in-process). */
  get configured(): boolean {
    return this.lagReader.configured;
  }

  /** The main group's lag on the events topic. */
  read(): Promise<PartitionLag> {
    return this.readCached(this.topic, this.group);
  }

  /** The overflow group's lag on the overflow topic (hot tenants' events). */
  readOverflow(): Promise<PartitionLag> {
    return this.readCached(overflowTopic(this.topic), `${this.group}.overflow`);
  }

  /** The partition of `partitions` that a message keyed by the tenant's id lands on. */
  partitionOf(tenantId: string, partitions: number): number {
    if (this.metadata.length !== partitions) {
      this.metadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
    }
    return this.partitioner({
      topic: this.topic,
      partitionMetadata: this.metadata,
      message: { key: tenantId, value: null },
    });
  }

  private readCached(topic: string, group: string): Promise<PartitionLag> {
    const cached = this.cached.get(group);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.lag;
    const lag = this.lagReader
      .read(topic, group)
      .then((partitions) => ({ group, topic, partitions }));
    this.cached.set(group, { at: Date.now(), lag });
    lag.catch(() => this.cached.delete(group));
    return lag;
  }
}
