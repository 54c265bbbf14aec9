import type { FactoryProvider, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getToken, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Environment } from '../../config/environment';
import { QuotaService } from '../../billing/quota/quota.service';
import { UsageMeter } from '../../billing/usage/usage.meter';
import { ConsumerLagService } from '../kafka/consumer-lag.service';
import { ConsumerMonitor } from '../kafka/consumer.monitor';
import { EventBatchProcessor, EVENTS_DEAD_LETTERED } from '../pipeline/event-batch.processor';
import {
  EVENT_TO_STORED_SECONDS,
  EVENTS_STORED,
  EVENTS_UNSTORABLE,
  EventWriter,
  STORE_WRITE_FAILURES,
  STORE_WRITE_SECONDS,
} from '../pipeline/event.writer';
import { DeadLetterCountsStore } from '../dead-letters/dead-letter-counts.store';
import { MessageOriginResolver } from '../pipeline/message-origin.resolver';
import { TenantDirectory } from '../pipeline/tenant.directory';
import { EVENT_STORE, type EventStore } from '../store/event-store';

export const OVERFLOW_CONSUMER_UP = 'tenantry_ingestion_overflow_consumer_up';
export const OVERFLOW_CONSUMER_LAG = 'tenantry_ingestion_overflow_consumer_lag_messages';
export const OVERFLOW_CONSUMER_LAST_COMMIT =
  'tenantry_ingestion_overflow_consumer_last_commit_timestamp_seconds';
export const OVERFLOW_CONSUMER_RESTARTS = 'tenantry_ingestion_overflow_consumer_restarts_total';

/**
 * The overflow consumer's own processor, writer and monitor. Made by a factory, so Nest's
 * shutdown hooks reach them through this object: the writer flushes, the monitor disconnects.
 */
export class OverflowPipeline implements OnModuleDestroy, OnApplicationShutdown {
  constructor(
    readonly processor: EventBatchProcessor,
    readonly writer: EventWriter,
    readonly monitor: ConsumerMonitor,
  ) {}

  onModuleDestroy(): void {
    this.monitor.onModuleDestroy();
  }

  onApplicationShutdown(): Promise<void> {
    return this.writer.onApplicationShutdown();
  }
}

export const OVERFLOW_PIPELINE = Symbol('OverflowPipeline');

type Config = ConfigService<Environment, true>;

/**
 * The same processor and writer classes as the main consumer's, as second instances: the
 * overflow's rows go to the store in inserts of their own (INGEST_OVERFLOW_FLUSH_ROWS, _MS), so
 * a hot tenant's big inserts never queue in front of everyone else's on the main writer. Its
 * monitor reports under metric names of its own.
 */
export const overflowPipelineProvider: FactoryProvider<OverflowPipeline> = {
  provide: OVERFLOW_PIPELINE,
  inject: [
    ConfigService,
    ConsumerLagService,
    EVENT_STORE,
    UsageMeter,
    TenantDirectory,
    MessageOriginResolver,
    QuotaService,
    DeadLetterCountsStore,
    ...[
      EVENTS_STORED,
      STORE_WRITE_SECONDS,
      STORE_WRITE_FAILURES,
      EVENT_TO_STORED_SECONDS,
      EVENTS_UNSTORABLE,
      EVENTS_DEAD_LETTERED,
      OVERFLOW_CONSUMER_UP,
      OVERFLOW_CONSUMER_LAG,
      OVERFLOW_CONSUMER_LAST_COMMIT,
      OVERFLOW_CONSUMER_RESTARTS,
    ].map(getToken),
  ],
  useFactory: (
    config: Config,
    lagReader: ConsumerLagService,
    store: EventStore,
    usage: UsageMeter,
    directory: TenantDirectory,
    origins: MessageOriginResolver,
    quota: QuotaService,
    deadLetterCounts: DeadLetterCountsStore,
    stored: Counter<string>,
    writeSeconds: Histogram<string>,
    failures: Counter<string>,
    eventToStored: Histogram<string>,
    unstorable: Counter<string>,
    deadLettered: Counter<string>,
    up: Gauge<string>,
    lag: Gauge<string>,
    lastCommit: Gauge<string>,
    restarts: Counter<string>,
  ): OverflowPipeline => {
    const sized = overflowSizing(config);
    const writer = new EventWriter(
      store,
      usage,
      stored,
      writeSeconds,
      failures,
      eventToStored,
      unstorable,
      sized,
    );
    return new OverflowPipeline(
      new EventBatchProcessor(
        directory,
        writer,
        usage,
        origins,
        quota,
        deadLettered,
        config,
        deadLetterCounts,
      ),
      writer,
      new ConsumerMonitor(lagReader, config, up, lag, lastCommit, restarts),
    );
  },
};

/** The app's configuration, with the overflow's group-commit sizes in place of the main one's. */
function overflowSizing(config: Config): Config {
  const sizes: Partial<Record<keyof Environment, number>> = {
    INGESTION_FLUSH_ROWS: config.get('INGEST_OVERFLOW_FLUSH_ROWS', { infer: true }),
    INGESTION_FLUSH_MS: config.get('INGEST_OVERFLOW_FLUSH_MS', { infer: true }),
  };
  return new Proxy(config, {
    get(target, property, receiver) {
      if (property !== 'get') return Reflect.get(target, property, receiver) as unknown;
      return (key: keyof Environment, options?: unknown) =>
        sizes[key] ?? (target.get as (k: string, o?: unknown) => unknown)(key, options);
    },
  });
}

/** The overflow consumer's gauges and counter, next to the main consumer's. */
export const overflowConsumerMetrics = [
  makeGaugeProvider({
    name: OVERFLOW_CONSUMER_UP,
    help: 'Whether this process runs its overflow consumer (1) or it is down (0)',
  }),
  makeGaugeProvider({
    name: OVERFLOW_CONSUMER_LAG,
    help: 'Messages on the overflow topic that its consumer group has not committed past, by group, topic and partition',
    labelNames: ['group', 'topic', 'partition'],
  }),
  makeGaugeProvider({
    name: OVERFLOW_CONSUMER_LAST_COMMIT,
    help: 'When the overflow consumer last committed offsets (unix seconds)',
  }),
  makeCounterProvider({
    name: OVERFLOW_CONSUMER_RESTARTS,
    help: 'Restarts of the overflow consumer after a crash',
  }),
];
