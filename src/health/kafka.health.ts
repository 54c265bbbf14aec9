import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka, logLevel } from 'kafkajs';
import type { Environment } from '../config/environment';
import {
  kafkaClientConfig,
  type KafkaSettings,
  kafkaSettingsOf,
  deadLetterTopic,
  overflowTopic,
} from '../ingestion/kafka/kafka-connection';

/**
 * Kafka cluster metadata, when KAFKA_BROKERS is configured: the live brokers, and how many
 * partitions of the app's topics have a copy out of sync (a broker down or catching up: still
 * serving, one more loss from refusing writes).
 */
const UNDER_REPLICATED_CACHE_MS = 5_000;

@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin?: Admin;
  private connected = false;
  private underReplicatedCache?: { at: number; brokers: number; count: number };
  readonly brokers?: string[];
  private readonly clientId: string;
  private readonly settings: KafkaSettings;
  private readonly topics: string[];

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: ConfigService<Environment, true>,
  ) {
    const brokers = config.get('KAFKA_BROKERS', { infer: true });
    this.brokers = brokers ? brokers.split(',') : undefined;
    this.clientId = `${config.get('KAFKA_CLIENT_ID', { infer: true })}-health`;
    this.settings = kafkaSettingsOf(config);
    const topic = config.get('KAFKA_EVENTS_TOPIC', { infer: true });
    this.topics = [topic, overflowTopic(topic), deadLetterTopic(topic)];
  }

  check() {
    return this.indicators
      .check('kafka')
      .attempt(async () => {
        this.admin ??= new Kafka({
          clientId: this.clientId,
          ...kafkaClientConfig(this.settings),
          logLevel: logLevel.NOTHING,
          // With several brokers two tries must fit in the probe's 3 s, even to a blackholed one.
          connectionTimeout: (this.brokers?.length ?? 1) > 1 ? 1000 : 2000,
          // One quick try per broker: a cluster with one broker down is still up.
          retry: { retries: Math.max(0, (this.brokers?.length ?? 1) - 1), initialRetryTime: 50 },
        }).admin();
        if (!this.connected) {
          await this.admin.connect();
          this.connected = true;
        }
        try {
          const cluster = await this.admin.describeCluster();
          return {
            brokers: cluster.brokers.length,
            under_replicated_partitions: await this.underReplicated(
              this.admin,
              cluster.brokers.length,
            ),
          };
        } catch (error) {
          this.connected = false;
          await this.admin.disconnect().catch(() => undefined);
          throw error;
        }
      })
      .withTimeout(3000);
  }

  /**
   * Partitions of the app's topics with fewer copies in sync than they have (topics not made yet
   * count none). Kept for UNDER_REPLICATED_CACHE_MS while the broker count stays the same:
   * probes come every few seconds, and the two metadata requests need not.
   */
  private async underReplicated(admin: Admin, brokers: number): Promise<number> {
    const now = Date.now();
    const cached = this.underReplicatedCache;
    if (cached && cached.brokers === brokers && now - cached.at < UNDER_REPLICATED_CACHE_MS) {
      return cached.count;
    }
    const count = await this.countUnderReplicated(admin);
    this.underReplicatedCache = { at: now, brokers, count };
    return count;
  }

  private async countUnderReplicated(admin: Admin): Promise<number> {
    const existing = new Set(await admin.listTopics());
    const topics = this.topics.filter((topic) => existing.has(topic));
    if (topics.length === 0) return 0;
    const metadata = await admin.fetchTopicMetadata({ topics });
    return metadata.topics
      .flatMap((topic) => topic.partitions)
      .filter((partition) => partition.isr.length < partition.replicas.length).length;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.connected) await this.admin?.disconnect().catch(() => undefined);
  }
}
