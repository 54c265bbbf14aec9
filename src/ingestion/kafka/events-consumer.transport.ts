import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';
import type {
  EventBatchProcessor,
  RawEventMessage,
  UsageDelta,
} from '../pipeline/event-batch-processor';
import type { EventRow } from '../events/event-contract';
import type { EventWriter } from '../pipeline/event-writer';
import { DLQ_ERRORS_HEADER, DLQ_REASON_HEADER, deadLetterTopic } from './kafka-connection';

const HEARTBEAT_MS = 3_000;

/**
 * The ingestion consumer, as a Nest microservice transport on kafkajs: Nest starts it with the
 * app (connectMicroservice + startAllMicroservices) and closes it on shutdown. One consumer
 * group; each partition batch goes to the EventBatchProcessor, its dead letters are produced to
 * `<topic>.dlq` (acknowledged), and only then is the batch's offset committed. A store outage
 * keeps the batch waiting inside the writer's retries (heartbeats continue), so nothing is ever
 * committed past an unstored event. Shutdown waits for the batches in hand.
 */
export class EventsConsumerTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(EventsConsumerTransport.name);
  private consumer?: Consumer;
  private deadLetters?: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly processor: EventBatchProcessor,
    private readonly writer: EventWriter,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.deadLetters = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.deadLetters.connect();
      this.writer.onUnstorable((rows, error) => this.deadLetterRows(rows, error));
      this.consumer = this.kafka.consumer({
        groupId: this.groupId,
        maxBytesPerPartition: 4 * 1024 * 1024,
        maxWaitTimeInMs: 100,
        sessionTimeout: 30_000,
        heartbeatInterval: HEARTBEAT_MS,
      });
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await this.consumer.run({
        // Offsets are resolved only after a batch is stored; kafkajs commits resolved offsets
        // after every batch (threshold 1) and once more when the consumer stops.
        autoCommit: true,
        autoCommitThreshold: 1,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 6,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      this.log.log(`consuming ${this.topic} as group ${this.groupId}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_MS);
    let usage: UsageDelta[];
    try {
      const processed = await this.processor.process(
        batch.messages.map((message): RawEventMessage => ({
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: textHeaders(message.headers),
          timestamp: Number(message.timestamp),
        })),
      );
      usage = processed.usage;
      const dead = processed.dead;
      if (dead.length > 0) {
        await this.deadLetters!.send({
          topic: deadLetterTopic(this.topic),
          acks: -1,
          messages: dead.map(({ message, reason, errors, index }) => ({
            key: message.key,
            value: message.value,
            headers: {
              ...message.headers,
              [DLQ_REASON_HEADER]: reason,
              ...(errors ? { [DLQ_ERRORS_HEADER]: JSON.stringify(errors).slice(0, 4000) } : {}),
              source_partition: String(batch.partition),
              ...(index !== undefined ? { dlq_batch_index: String(index) } : {}),
            },
          })),
        });
      }
    } finally {
      clearInterval(beat);
    }
    // Stored (and dead letters acknowledged): only now does the group move past the batch.
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await payload.commitOffsetsIfNecessary();
    this.processor.countUsage(usage);
  }

  /** Rows the store refused for good: to the dead-letter topic, as events, with the reason. */
  private async deadLetterRows(rows: EventRow[], error: unknown): Promise<void> {
    await this.deadLetters!.send({
      topic: deadLetterTopic(this.topic),
      acks: -1,
      messages: rows.map((row) => ({
        key: row.tenantId,
        value: JSON.stringify({
          event_id: row.eventId,
          event_type: row.eventType,
          timestamp: String(row.timestamp),
          user_id: row.userId,
          session_id: row.sessionId,
          properties: row.properties,
        }),
        headers: {
          tenant_id: row.tenantId,
          [DLQ_REASON_HEADER]: 'store_rejected',
          [DLQ_ERRORS_HEADER]: (error instanceof Error ? error.message : String(error)).slice(
            0,
            4000,
          ),
        },
      })),
    });
  }

  async close(): Promise<void> {
    // A store that is down must not hold shutdown: waiting batches fail, uncommitted.
    this.writer.stopRetrying();
    // Disconnect waits for the batches in hand to finish (stored and committed).
    await this.consumer
      ?.disconnect()
      .catch((error: unknown) => this.log.warn({ err: error }, 'consumer disconnect'));
    await this.deadLetters?.disconnect().catch(() => undefined);
  }

  on(): void {
    throw new Error('EventsConsumerTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}

function textHeaders(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? undefined : first.toString();
  }
  return out;
}
