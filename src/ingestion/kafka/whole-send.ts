import type { Producer, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';

/**
 * The options of every producer the app makes: kafkajs never retries a produce by itself.
 *
 * kafkajs 2.2.4 (the last release) loses messages when it retries a send that spans brokers. The
 * retry skips every broker that already answered; when a dead leader's partitions move to one
 * of those brokers, their messages are never sent, and the send resolves as if they had been
 * (tulios/kafkajs#1303, open; with those retries, test/faults/kafka-broker-down's spanning send
 * lost two partitions' messages in each of two runs).
 *
 * So each send is one attempt, which resolves only when every partition acknowledged, and the
 * app sends a failed one again whole: sendWhole below, or KafkaEventSink's own queue. kafkajs
 * refuses an idempotent producer without retries, so idempotence is off. A re-send can put a
 * message in Kafka twice (a failed attempt may have reached some partitions): the event store
 * keeps each event once (event ids), but a direct producer's forwarded message is metered once
 * per copy. One request in flight keeps each partition's order.
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
  /**
   * When given, the time limit does not apply: the send is made again for as long as this says
   * yes (a consumer whose batch is still its own waits out an outage, as kafkajs did).
   */
  stillWanted?: () => boolean;
  /** The first pause between attempts; each next one doubles, up to 2 s. */
  pauseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends the batch with a producer made with ONE_ATTEMPT_PRODUCER: again whole after a retriable
 * failure, until it succeeds or `giveUpAfterMs` (30 s by default) has passed, or while
 * `stillWanted`. A leader move takes the controller's session timeout (9 s by default) to settle.
 */
export async function sendWhole(
  producer: Producer,
  batch: ProducerBatch,
  { giveUpAfterMs = 30_000, pauseMs = 250, stillWanted }: WholeSendOptions = {},
): Promise<RecordMetadata[]> {
  const giveUpAt = Date.now() + giveUpAfterMs;
  const goOn = (pause: number) => (stillWanted ? stillWanted() : Date.now() + pause <= giveUpAt);
  for (let pause = pauseMs; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      return await producer.sendBatch(batch);
    } catch (error) {
      if (!isRetriableSendError(error) || !goOn(pause)) throw error;
      await sleep(pause);
    }
  }
}
