import type { Producer, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';

/**
 * The options of every producer the app makes: kafkajs never retries a produce by itself.
 *
 * kafkajs 2.2.4 (the last release) loses messages when it retries a send that spans brokers. The
 * retry skips every broker that already answered; when a dead leader's partitions move to one
 * of those brokers, their messages are never sent, and the send resolves as if they had been
 * (tulios/kafkajs#1303, open). test/faults/kafka-broker-down shows it on a real cluster.
 *
 * So each send is one attempt, which either reaches every partition or fails whole, and the app
 * sends a failed send again whole: sendWhole below, or KafkaEventSink's own queue. kafkajs
 * refuses an idempotent producer without retries, so idempotence is off. A re-send can store a
 * message twice in Kafka; the event store folds those by event id. One request in flight keeps
 * each partition's order.
 */
export const ONE_ATTEMPT_PRODUCER: ProducerConfig = {
  idempotent: false,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  retry: { retries: 0 },
};

/** kafkajs' wrappers around the error that failed an attempt. */
const WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

/**
 * True when a failed send is worth sending again: a broker unreachable, timing out, or no longer
 * the leader (kafkajs marks those retriable). False when the broker refused what was sent
 * (too large, not allowed), or the failure is not kafkajs' at all.
 */
export function isRetriableSendError(error: unknown): boolean {
  let cause: unknown = error;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    const { name, retriable } = cause as Error & { retriable?: boolean };
    if (!WRAPPERS.has(name)) return name.startsWith('KafkaJS') && retriable === true;
    const next = cause as { originalError?: unknown; cause?: unknown };
    cause = next.cause ?? next.originalError;
  }
  return false;
}

export interface WholeSendOptions {
  /** Give up (throw the last error) once this much time has passed. */
  giveUpAfterMs?: number;
  /** The first pause between attempts; each next one doubles, up to 2 s. */
  pauseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends the batch with a producer made with ONE_ATTEMPT_PRODUCER: again whole after a retriable
 * failure, until it succeeds or `giveUpAfterMs` (30 s by default) has passed. A leader move takes
 * the controller's session timeout (9 s by default) to settle.
 */
export async function sendWhole(
  producer: Producer,
  batch: ProducerBatch,
  { giveUpAfterMs = 30_000, pauseMs = 250 }: WholeSendOptions = {},
): Promise<RecordMetadata[]> {
  const giveUpAt = Date.now() + giveUpAfterMs;
  for (let pause = pauseMs; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      return await producer.sendBatch(batch);
    } catch (error) {
      if (!isRetriableSendError(error) || Date.now() + pause > giveUpAt) throw error;
      await sleep(pause);
    }
  }
}
