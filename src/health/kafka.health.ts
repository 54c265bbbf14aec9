import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka, logLevel } from 'kafkajs';
import type { Environment } from '../config/environment';
import {
  kafkaClientConfig,
  type KafkaSettings,
  kafkaSettingsOf,
} from '../ingestion/kafka/kafka-connection';

/** Kafka cluster metadata, when KAFKA_BROKERS is configured. */
@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin?: Admin;
  private connected = false;
  readonly brokers?: string[];
  private readonly clientId: string;
  private readonly settings: KafkaSettings;

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: ConfigService<Environment, true>,
  ) {
    const brokers = config.get('KAFKA_BROKERS', { infer: true });
    this.brokers = brokers ? brokers.split(',') : undefined;
    this.clientId = `${config.get('KAFKA_CLIENT_ID', { infer: true })}-health`;
    this.settings = kafkaSettingsOf(config);
  }

  check() {
    return this.indicators
      .check('kafka')
      .attempt(async () => {
        this.admin ??= new Kafka({
          clientId: this.clientId,
          ...kafkaClientConfig(this.settings),
          logLevel: logLevel.NOTHING,
          connectionTimeout: 2000,
          retry: { retries: 0 },
        }).admin();
        if (!this.connected) {
          await this.admin.connect();
          this.connected = true;
        }
        try {
          const cluster = await this.admin.describeCluster();
          return { brokers: cluster.brokers.length };
        } catch (error) {
          this.connected = false;
          await this.admin.disconnect().catch(() => undefined);
          throw error;
        }
      })
      .withTimeout(3000);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.connected) await this.admin?.disconnect().catch(() => undefined);
  }
}
