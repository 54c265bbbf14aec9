import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { EventRow } from '../events/event-contract';
import type {
  EventBatchProcessor,
  RawEventMessage,
  UsageDelta,
} from '../pipeline/event-batch.processor';
import type { EventWriter } from '../pipeline/event.writer';
import type { ConsumerMonitor } from './consumer.monitor';
import { DeadLetterPublisher, deadLetterRecord } from './dead-letter-publisher';
import { deadLetterTopic } from './kafka-connection';
import { textHeaders } from './message-headers';
import { ONE_ATTEMPT_PRODUCER } from './whole-send';

import type { OverflowForwarder } from '../overflow/overflow-forwarder';
import { ReplayMarks } from '../replay/replay-marks';

const HEARTBEAT_MS = 3_000;

/** What sets one consumer transport apart from another (the main one's and the overflow's). */
export interface ConsumerTransportOptions {
  /** Where dead letters go; `<topic>.dlq` unless said (the overflow's go to the main one's). */
  deadLetterTopic?: string;
  /** Bytes fetched per partition and request. */
  fetchBytesPerPartition?: number;
  /** Partition batches in hand at once (each is processed and stored on its own). */
  partitionsConcurrently?: number;
  /** Hot tenants' messages leave the batch for the overflow topic (the main consumer only). */
  forwarder?: OverflowForwarder;
  /** How logs name this consumer. */
  name?: string;
  /** KAFKA_SESSION_TIMEOUT_MS: how long a dead consumer holds its partitions. */
  sessionTimeoutMs: number;
  /** The topic's replay marks after a restore (ingestion_replay_marks), read at each start. */
  replayMarks?: (topic: string) => Promise<ReplayMarks>;
}
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;

/**
 * The ingestion consumer, as a Nest microservice transport on kafkajs: Nest starts it with the
 * app (connectMicroservice + startAllMicroservices) and closes it on shutdown. One consumer
 * group; each partition batch goes to the EventBatchProcessor, its dead letters are produced to
 * `<topic>.dlq` (acknowledged), and only then is the batch's offset committed. A store outage
 * keeps the batch waiting inside the writer's retries (heartbeats continue), so nothing is ever
 * committed past an unstored event. A consumer that crashes for good (kafkajs gives up on
 * errors it deems non-retriable) is started again with backoff; the ConsumerMonitor reports it
 * meanwhile. Shutdown waits for the batches in hand.
 *
 * The app runs two: the main topic's, and the overflow topic's (src/ingestion/overflow), each
 * with its own group, batch sizing, processor and writer, and the same dead-letter topic.
 */
export class EventsConsumerTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(EventsConsumerTransport.name);
  private consumer?: Consumer;
  private producer?: Producer;
  private deadLetters?: DeadLetterPublisher;
  private closing = false;
  private restartTimer?: NodeJS.Timeout;
  private consecutiveCrashes = 0;
  private marks = ReplayMarks.NONE;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly processor: EventBatchProcessor,
    private readonly writer: EventWriter,
    private readonly monitor: ConsumerMonitor,
    private readonly options: ConsumerTransportOptions,
  ) {
    super();
  }

  private get name(): string {
    return this.options.name ?? 'ingestion consumer';
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.producer = this.kafka.producer(ONE_ATTEMPT_PRODUCER);
      await this.producer.connect();
      this.deadLetters = new DeadLetterPublisher(
        this.producer,
        this.options.deadLetterTopic ?? deadLetterTopic(this.topic),
      );
      this.writer.onUnstorable((rows, error) => this.deadLetterRows(rows, error));
      await this.startConsumer();
      this.log.log(`consuming ${this.topic} as group ${this.groupId}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async startConsumer(): Promise<void> {
    // Once per start, never per message: a restore writes its marks before the app consumes.
    if (this.options.replayMarks) {
      this.marks = await this.options.replayMarks(this.topic);
      if (this.marks.size > 0) {
        this.log.log(`${this.name}: ${this.marks.size} replay mark(s) after a restore`);
      }
    }
    const sessionTimeout = this.options.sessionTimeoutMs;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      maxBytesPerPartition: this.options.fetchBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      sessionTimeout,
      // A third of the session at most, as Kafka advises: two lost heartbeats do not evict.
      heartbeatInterval: Math.min(HEARTBEAT_MS, Math.floor(sessionTimeout / 3)),
    });
    this.consumer = consumer;
    this.monitor.watch(consumer, this.topic, this.groupId);
    consumer.on(consumer.events.COMMIT_OFFSETS, () => (this.consecutiveCrashes = 0));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error({ err: payload.error, restart: payload.restart }, `${this.name} crashed`);
      // kafkajs restarts by itself after retriable errors; after the others it stays down.
      if (payload.restart) this.monitor.restarted();
      else this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      // Offsets are resolved only after a batch is stored; kafkajs commits resolved offsets
      // after every batch (threshold 1) and once more when the consumer stops.
      autoCommit: true,
      autoCommitThreshold: 1,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 6,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** A fresh consumer after a crash, 1 s after the first and up to 30 s after repeated ones. */
  private scheduleRestart(): void {
    if (this.closing || this.restartTimer) return;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** this.consecutiveCrashes);
    this.consecutiveCrashes += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      const crashed = this.consumer;
      void (async () => {
        await crashed?.disconnect().catch(() => undefined);
        this.monitor.restarted();
        await this.startConsumer();
        this.log.warn(`${this.name} restarted after a crash`);
      })().catch((error: unknown) => {
        this.log.error({ err: error }, `${this.name} restart failed; trying again`);
        this.scheduleRestart();
      });
    }, delay);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_MS);
    // Sends to Kafka that fail while it is unavailable are made again while the batch is ours.
    const stillOurs = () => payload.isRunning() && !payload.isStale();
    let usage: UsageDelta[];
    try {
      let messages = batch.messages;
      const replayed = (offset: string) => this.marks.metered(batch.partition, offset);
      const { forwarder } = this.options;
      if (forwarder) {
        // Hot tenants' messages to the overflow topic, acknowledged before anything is committed.
        // Replayed ones stay: forwarded, they would get new offsets and be metered again.
        const { keep, forward } = await forwarder.split(
          messages.filter((message) => !replayed(message.offset)),
        );
        await forwarder.forward(
          this.producer!,
          forward,
          `${batch.topic}/${batch.partition}`,
          stillOurs,
        );
        messages = [...messages.filter((message) => replayed(message.offset)), ...keep];
      }
      const processed = await this.processor.process(
        messages.map((message): RawEventMessage => ({
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: textHeaders(message.headers),
          offset: message.offset,
          ...(replayed(message.offset) ? { replayed: true } : {}),
        })),
      );
      usage = processed.usage;
      const source = { topic: batch.topic, partition: batch.partition };
      await this.deadLetters!.publish(
        processed.dead.map((letter) => deadLetterRecord(letter, source)),
        stillOurs,
      );
    } finally {
      clearInterval(beat);
    }
    // Stored (and dead letters acknowledged): only now does the group move past the batch.
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await payload.commitOffsetsIfNecessary();
    this.processor.countUsage(usage);
  }

  /**
   * Rows the store refused for good: to the dead-letter topic, as events, with the reason; once
   * acknowledged, counted as the processor counts its own dead letters (metric, tenant's counts).
   */
  private async deadLetterRows(rows: EventRow[], error: unknown): Promise<void> {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await this.deadLetters!.publish(
      rows.map((row) =>
        deadLetterRecord(
          {
            message: {
              key: row.tenantId,
              value: Buffer.from(
                JSON.stringify({
                  event_id: row.eventId,
                  event_type: row.eventType,
                  timestamp: String(row.timestamp),
                  user_id: row.userId,
                  session_id: row.sessionId,
                  properties: row.properties,
                }),
              ),
              headers: {},
            },
            reason: 'store_rejected',
            tenantId: row.tenantId,
            errors: [{ field: 'event', message: reason }],
          },
          { topic: this.topic, partition: -1 },
        ),
      ),
    );
    this.processor.countDeadLetters(
      rows.map((row) => ({ reason: 'store_rejected', tenantId: row.tenantId })),
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    // A store that is down must not hold shutdown: waiting batches fail, uncommitted.
    this.writer.stopRetrying();
    // Disconnect waits for the batches in hand to finish (stored and committed).
    await this.consumer
      ?.disconnect()
      .catch((error: unknown) => this.log.warn({ err: error }, 'consumer disconnect'));
    await this.producer?.disconnect().catch(() => undefined);
  }

  on(): void {
    throw new Error('EventsConsumerTransport has no events to listen to');
  }

  /** The live kafkajs consumer (a new one after each restart). */
  unwrap<T>(): T {
    return this.consumer as T;
  }
}
