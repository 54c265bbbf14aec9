import { Logger, Module } from '@nestjs/common';
import { PlansModule } from '../billing/plans/plans.module';
import { ConfigService } from '@nestjs/config';
import {
  getToken,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module';
import type { Environment } from '../config/environment';
import { QuotaModule } from '../billing/quota/quota.module';
import { UsageMeteringModule } from '../billing/usage/usage-metering.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { EventIntakeService, EVENTS_ACCEPTED, EVENTS_REJECTED } from './http/event-intake.service';
import { EventsController } from './http/events.controller';
import {
  createKafka,
  ensureTopics,
  KAFKA_CLIENT,
  kafkaClientConfig,
  kafkaSettingsOf,
  overflowTopic,
} from './kafka/kafka-connection';
import { MeasuredEventSink } from './overflow/measured-event-sink';
import { HOT_TENANTS, IntakeRateService, OVERFLOW_EVENTS } from './overflow/intake-rate.service';
import {
  OVERFLOW_PIPELINE,
  overflowConsumerMetrics,
  overflowPipelineProvider,
} from './overflow/overflow-pipeline.provider';
import {
  CONSUMER_LAG,
  CONSUMER_LAST_COMMIT,
  CONSUMER_RESTARTS,
  CONSUMER_UP,
  ConsumerMonitor,
} from './kafka/consumer.monitor';
import { AppMessageSigner } from './kafka/app-message.signer';
import { ConsumerLagService } from './kafka/consumer-lag.service';
import { KafkaEventSink } from './kafka/kafka-event-sink';
import { EventBatchProcessor, EVENTS_DEAD_LETTERED } from './pipeline/event-batch.processor';
import { DeadLetterCountsStore } from './dead-letters/dead-letter-counts.store';
import { EVENT_SINK } from './pipeline/event-sink';
import {
  EVENT_TO_STORED_SECONDS,
  EVENTS_UNSTORABLE,
  EventWriter,
  EVENTS_STORED,
  STORE_WRITE_FAILURES,
  STORE_WRITE_SECONDS,
} from './pipeline/event.writer';
import { InProcessEventSink } from './pipeline/in-process-event-sink';
import { MessageOriginResolver } from './pipeline/message-origin.resolver';
import { ProducerAuthenticator } from './pipeline/producer.authenticator';
import { TenantDirectory } from './pipeline/tenant.directory';
import { ReplayMarksRepository } from './replay/replay-marks.repository';
import {
  CLICKHOUSE_SHARD_ROWS,
  ClickHouseEventStore,
  type ClickHouseUser,
} from './store/clickhouse-event.store';
import { clickhouseClusterOf } from './store/clickhouse/clickhouse-cluster-settings';
import { EVENT_STORE, type EventStore } from './store/event-store';
import { PostgresEventStore } from './store/postgres-event.store';

type Config = ConfigService<Environment, true>;

/** CLICKHOUSE_<role>_USER and _PASSWORD, or undefined when the user is not configured. */
function clickhouseUser(
  config: Config,
  role: 'WRITER' | 'READER' | 'READER_BACKGROUND',
): ClickHouseUser | undefined {
  const username = config.get(`CLICKHOUSE_${role}_USER`, { infer: true });
  if (!username) return undefined;
  return { username, password: config.get(`CLICKHOUSE_${role}_PASSWORD`, { infer: true }) ?? '' };
}

/**
 * Event ingestion: POST /v1/events, the sink it produces to (Kafka, or in-process), the consumer
 * transport's batch processor, the group-commit writer, the event store, usage metering.
 */
@Module({
  imports: [AuthModule, PlansModule, TenancyModule, UsageMeteringModule, QuotaModule],
  controllers: [EventsController],
  providers: [
    {
      provide: KAFKA_CLIENT,
      inject: [ConfigService],
      useFactory: (config: Config): Kafka | null => {
        const brokers = config.get('KAFKA_BROKERS', { infer: true });
        return brokers
          ? createKafka(config.get('KAFKA_CLIENT_ID', { infer: true }), kafkaSettingsOf(config))
          : null;
      },
    },
    {
      provide: EVENT_STORE,
      inject: [ConfigService, TenantContext, DataSource, getToken(CLICKHOUSE_SHARD_ROWS)],
      useFactory: async (
        config: Config,
        tenantContext: TenantContext,
        dataSource: DataSource,
        shardRows: Counter<'shard'>,
      ): Promise<EventStore> => {
        const choice = config.get('EVENT_STORE', { infer: true });
        const url = config.get('CLICKHOUSE_URL', { infer: true });
        if (choice === 'clickhouse' && !url)
          throw new Error('EVENT_STORE=clickhouse needs CLICKHOUSE_URL');
        const store: EventStore =
          choice === 'clickhouse' || (choice === 'auto' && url)
            ? new ClickHouseEventStore(
                url!,
                config.get('CLICKHOUSE_DATABASE', { infer: true }),
                {
                  writer: clickhouseUser(config, 'WRITER'),
                  reader: clickhouseUser(config, 'READER'),
                  background_reader: clickhouseUser(config, 'READER_BACKGROUND'),
                },
                // CLICKHOUSE_CLUSTER: every tenant on one shard of it (README, "ClickHouse cluster").
                clickhouseClusterOf({
                  CLICKHOUSE_CLUSTER: config.get('CLICKHOUSE_CLUSTER', { infer: true }),
                  CLICKHOUSE_NODE_URLS: config.get('CLICKHOUSE_NODE_URLS', { infer: true }),
                }),
              )
            : new PostgresEventStore(tenantContext, dataSource);
        if (store instanceof ClickHouseEventStore && store.clustered) {
          store.onShardWrite((shard, rows) => shardRows.inc({ shard: String(shard + 1) }, rows));
        }
        // A store that is down at start-up is not fatal: /health reports it, writes retry.
        await store
          .prepare()
          .catch((error: unknown) =>
            new Logger('IngestionModule').error(
              { err: error },
              `event store (${store.kind}) not ready yet`,
            ),
          );
        return store;
      },
    },
    {
      provide: EVENT_SINK,
      inject: [ConfigService, KAFKA_CLIENT, EventWriter, AppMessageSigner, IntakeRateService],
      useFactory: async (
        config: Config,
        kafka: Kafka | null,
        writer: EventWriter,
        signer: AppMessageSigner,
        intakeRate: IntakeRateService,
      ) => {
        if (!kafka) return new MeasuredEventSink(new InProcessEventSink(writer), intakeRate);
        const topic = config.get('KAFKA_EVENTS_TOPIC', { infer: true });
        const brokers = kafkaClientConfig(kafkaSettingsOf(config)).brokers.length;
        const sink = new KafkaEventSink(
          kafka,
          topic,
          () =>
            ensureTopics(
              kafka,
              topic,
              config.get('KAFKA_EVENTS_PARTITIONS', { infer: true }),
              undefined,
              brokers,
            ),
          signer,
          { topic: overflowTopic(topic), rate: intakeRate },
          brokers,
        );
        // Kafka down at start-up is not fatal: /health reports it, POST /v1/events answers 503.
        await sink
          .connect()
          .catch((error: unknown) =>
            new Logger('IngestionModule').error({ err: error }, 'Kafka not reachable yet'),
          );
        return sink;
      },
    },
    EventIntakeService,
    EventWriter,
    EventBatchProcessor,
    ReplayMarksRepository,
    TenantDirectory,
    ConsumerLagService,
    ConsumerMonitor,
    DeadLetterCountsStore,
    AppMessageSigner,
    ProducerAuthenticator,
    MessageOriginResolver,
    IntakeRateService,
    overflowPipelineProvider,
    ...overflowConsumerMetrics,
    makeCounterProvider({
      name: OVERFLOW_EVENTS,
      help: 'Events sent to the overflow topic (hot tenants), by tier and by who sent them there',
      labelNames: ['tier', 'path'],
    }),
    makeGaugeProvider({
      name: HOT_TENANTS,
      help: 'Tenants this process last saw hot (overflowing); take max() across processes',
    }),
    makeGaugeProvider({
      name: CONSUMER_UP,
      help: 'Whether this process runs its ingestion consumer (1) or it is down (0)',
    }),
    makeGaugeProvider({
      name: CONSUMER_LAG,
      help: 'Messages on a partition that the consumer group has not committed past',
      labelNames: ['group', 'topic', 'partition'],
    }),
    makeGaugeProvider({
      name: CONSUMER_LAST_COMMIT,
      help: 'When the ingestion consumer last committed offsets (unix seconds)',
    }),
    makeCounterProvider({
      name: CONSUMER_RESTARTS,
      help: 'Restarts of the ingestion consumer after a crash',
    }),
    makeCounterProvider({
      name: EVENTS_ACCEPTED,
      help: 'Events accepted by POST /v1/events (durable in Kafka or the store)',
    }),
    makeCounterProvider({
      name: EVENTS_REJECTED,
      help: 'Events refused by POST /v1/events, each with its fields named',
    }),
    makeCounterProvider({
      name: CLICKHOUSE_SHARD_ROWS,
      help: 'Rows inserted into each shard of the ClickHouse cluster (CLICKHOUSE_CLUSTER), by shard',
      labelNames: ['shard'],
    }),
    makeCounterProvider({
      name: EVENTS_STORED,
      help: 'Rows written to the event store (re-deliveries included)',
      labelNames: ['store'],
    }),
    makeCounterProvider({
      name: STORE_WRITE_FAILURES,
      help: 'Event store writes that failed and were retried',
      labelNames: ['store'],
    }),
    makeHistogramProvider({
      name: STORE_WRITE_SECONDS,
      help: 'Duration of one batch insert into the event store',
      labelNames: ['store'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    makeHistogramProvider({
      name: EVENT_TO_STORED_SECONDS,
      help: 'From acceptance by the API (or the broker timestamp) to stored and queryable, per batch',
      labelNames: ['store'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    }),
    makeCounterProvider({
      name: EVENTS_UNSTORABLE,
      help: 'Events the store refused for good (sent to the dead-letter topic)',
      labelNames: ['store'],
    }),
    makeCounterProvider({
      name: EVENTS_DEAD_LETTERED,
      help: 'Topic messages sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
    }),
  ],
  exports: [
    EVENT_STORE,
    EventBatchProcessor,
    EventWriter,
    KAFKA_CLIENT,
    ConsumerLagService,
    ConsumerMonitor,
    DeadLetterCountsStore,
    AppMessageSigner,
    ProducerAuthenticator,
    MessageOriginResolver,
    IntakeRateService,
    OVERFLOW_PIPELINE,
  ],
})
export class IngestionModule {}
