import { Logger } from '@nestjs/common';
import type { Message, Producer } from 'kafkajs';
import type { DeadLetter } from '../pipeline/event-batch.processor';
import {
  DLQ_ERRORS_HEADER,
  DLQ_REASON_HEADER,
  MAX_MESSAGE_BYTES,
  TENANT_HEADER,
} from './kafka-connection';
import { isRetriableSendError, sendWhole, type WholeSendOptions } from './whole-send';

/** Where a dead letter came from on the events topic. */
export interface DeadLetterSource {
  topic: string;
  partition: number;
}

const MAX_ERRORS_HEADER_CHARS = 4_000;
const MAX_SOURCE_KEY_CHARS = 256;
/** Room left in a record batch for the headers the app writes. */
const HEADROOM_BYTES = 64 * 1024;
/** A send carries dead letters up to about this many bytes, so no record batch nears the limit. */
const SEND_CHUNK_BYTES = 1024 * 1024;

/**
 * The dead letter as a record of the dead-letter topic. Every header is the app's own: none of
 * the producer's headers is copied (a 1 MB header per refused item would outgrow the topic's
 * message size, and a forged `dlq_*` header must not pass for ours). The value is the message's
 * raw bytes, unless they would not fit, in which case it is left out and its size is said.
 */
export function deadLetterRecord(letter: DeadLetter, source: DeadLetterSource): Message {
  const { message } = letter;
  const headers: Record<string, string> = {
    [DLQ_REASON_HEADER]: letter.reason,
    dlq_source_topic: source.topic,
    dlq_source_partition: String(source.partition),
  };
  if (message.offset !== undefined) headers.dlq_source_offset = message.offset;
  if (letter.tenantId) headers[TENANT_HEADER] = letter.tenantId;
  if (letter.errors?.length) {
    headers[DLQ_ERRORS_HEADER] = boundedJson(letter.errors, MAX_ERRORS_HEADER_CHARS);
  }
  if (message.key) headers.dlq_source_key = message.key.slice(0, MAX_SOURCE_KEY_CHARS);
  let value: Buffer | null = message.value;
  if (value && value.length > MAX_MESSAGE_BYTES - HEADROOM_BYTES) {
    headers.dlq_value_omitted_bytes = String(value.length);
    value = null;
  }
  return { key: letter.tenantId ?? null, value, headers };
}

/** The same record without its value: what is left to send when the broker refuses the whole. */
function withoutValue(record: Message): Message {
  const size = record.value ? Buffer.byteLength(record.value) : 0;
  return {
    ...record,
    value: null,
    headers: { ...(record.headers ?? {}), dlq_value_omitted_bytes: String(size) },
  };
}

/**
 * Produces dead letters, acknowledged by every in-sync replica. Records go in sends of about
 * 1 MB; when the broker refuses a send for what it holds (not for being down), each record is
 * sent alone, and one it still refuses is sent without its value. A dead letter therefore never
 * stalls the batch it came from; only an unavailable broker does: the send is made again whole
 * (sendWhole) while the consumer's batch is still its own (30 s for the writer's refusals), then
 * the error fails the batch, which is retried uncommitted.
 */
export class DeadLetterPublisher {
  private readonly log = new Logger(DeadLetterPublisher.name);

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    /** How long a send is made again while the broker is unavailable (tests shorten it). */
    private readonly retry: WholeSendOptions = {},
  ) {}

  /**
   * `stillWanted`: while the broker is unavailable, send again for as long as it says yes (the
   * consumer's batch is still its own) rather than for 30 s.
   */
  async publish(records: Message[], stillWanted?: () => boolean): Promise<void> {
    const retry = stillWanted ? { ...this.retry, stillWanted } : this.retry;
    for (const chunk of chunksByBytes(records, SEND_CHUNK_BYTES)) {
      try {
        await this.send(chunk, retry);
      } catch (error) {
        if (isRetriableSendError(error)) throw error;
        await this.publishOneByOne(chunk, error, retry);
      }
    }
  }

  private async publishOneByOne(
    records: Message[],
    cause: unknown,
    retry: WholeSendOptions,
  ): Promise<void> {
    this.log.warn(
      { err: cause, records: records.length },
      'dead letters refused; sending one by one',
    );
    for (const record of records) {
      try {
        await this.send([record], retry);
      } catch (error) {
        if (isRetriableSendError(error)) throw error;
        this.log.warn({ err: error }, 'dead letter refused; sending it without its value');
        await this.send([withoutValue(record)], retry);
      }
    }
  }

  private async send(messages: Message[], retry: WholeSendOptions): Promise<void> {
    await sendWhole(
      this.producer,
      { acks: -1, topicMessages: [{ topic: this.topic, messages }] },
      retry,
    );
  }
}

function recordBytes(record: Message): number {
  let bytes = record.value ? Buffer.byteLength(record.value) : 0;
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    bytes += name.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  return bytes;
}

function* chunksByBytes(records: Message[], limit: number): Generator<Message[]> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (chunk.length > 0 && bytes + size > limit) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** JSON of a list, cut at whole items so the header stays valid JSON within `limit` chars. */
function boundedJson(items: unknown[], limit: number): string {
  let json = JSON.stringify(items);
  let count = items.length;
  while (json.length > limit && count > 1) {
    count = Math.max(1, Math.floor(count / 2));
    json = JSON.stringify([...items.slice(0, count), { truncated: items.length - count }]);
  }
  return json.length > limit ? JSON.stringify([{ truncated: items.length }]) : json;
}
