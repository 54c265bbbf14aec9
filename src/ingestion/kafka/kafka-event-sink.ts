import { Logger } from '@nestjs/common';
import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import type { IncomingEvent } from '../events/event-contract';
import type { TenantTier } from '../../tenancy/tenant.entity';
import { type EventSink, SinkUnavailableError } from '../pipeline/event-sink';
import { type AppMessageSigner, APP_SIGNATURE_HEADER, VIA_HEADER } from './app-message.signer';
import { RECEIVED_AT_HEADER, TENANT_HEADER } from './kafka-connection';
import type { IntakeRateService } from '../overflow/intake-rate.service';
import { isRetriableSendError, ONE_ATTEMPT_PRODUCER } from './whole-send';

/** Where a hot tenant's events go instead, and who says which tenants are hot. */
export interface OverflowRoute {
  topic: string;
  rate: IntakeRateService;
}

/** One produce carries at most this much; the topic takes batches up to MAX_MESSAGE_BYTES. */
const SEND_LIMIT_BYTES = 4 * 1024 * 1024;
/** Queued beyond this, or waiting longer than PUBLISH_TIMEOUT_MS, the API answers 503. */
const QUEUE_LIMIT_BYTES = 64 * 1024 * 1024;
const PUBLISH_TIMEOUT_MS = 15_000;
/** After a send failed on a connection error, new requests answer 503 at once for this long. */
export const FAIL_FAST_MS = 2_000;
/** A send that failed is sent again after this pause, within the request's retry time. */
export const RESEND_PAUSE_MS = 250;
/**
 * With one broker there is nothing to fail over to: a failed request is sent again until this
 * long after it arrived, then answered 503, and at once when the broker cannot be reached at all.
 * With two or more, a leader that dies without a clean shutdown keeps its partitions until the
 * controller fences it (broker.session.timeout.ms: 9 s by default, 4.5 s in the local cluster)
 * and another replica takes over: a request is sent again until its deadline
 * (PUBLISH_TIMEOUT_MS), so it waits out a leader move, not fails.
 */
export const ONE_BROKER_RETRY_MS = 1_500;

/** A failure to reach the broker(s) at all (not a leader move): kafkajs' connection errors. */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.name.startsWith('KafkaJSConnection')) return true;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return false;
}

interface Pending {
  tenantId: string;
  events: number;
  messages: Message[];
  bytes: number;
  /** Epoch ms past which the caller has had its 503: not sent again after that. */
  deadline: number;
  /** Epoch ms until which it is sent again after a failure. */
  retryUntil: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A queue of requests and the producer that sends them, one send at a time. */
interface Lane {
  producer: Producer;
  queue: Pending[];
  sending: boolean;
}

/**
 * Produces accepted events to the ingestion topic: key = tenant id (one tenant's events keep
 * their order on one partition), acks from all in-sync replicas, one attempt per send (a failed
 * send is sent again whole, never by kafkajs: whole-send.ts). Concurrent requests are sent
 * together: one sendBatch at a time carries everything that queued meanwhile, since kafkajs does
 * no batching of its own.
 *
 * With an overflow route, each send first counts its events per tenant (one intake-rate call
 * for the whole send): a hot tenant's messages go to the overflow topic without a key, so they
 * spread round-robin over its partitions instead of piling onto the tenant's one. A tenant known
 * hot queues in a lane of its own, with a producer of its own, so everyone else's small requests
 * never wait behind its multi-megabyte sends.
 */
export class KafkaEventSink implements EventSink {
  readonly kind = 'kafka' as const;
  private readonly logger = new Logger(KafkaEventSink.name);
  private readonly main: Lane;
  private readonly hotLane?: Lane;
  /** Tenants the last sends found hot: their next requests queue in the hot lane. */
  private readonly hot = new Set<string>();
  private queuedBytes = 0;
  private connected?: Promise<void>;
  /** Until when (epoch ms) publish() answers 503 at once, after a connection failure. */
  private failFastUntil = 0;

  /**
   * `prepareTopics` creates the topics if missing; run before the first connection. `brokers`:
   * how many brokers KAFKA_BROKERS lists (it chooses how long a failed request is sent again).
   */
  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly prepareTopics: () => Promise<void>,
    private readonly signer: AppMessageSigner,
    private readonly overflow?: OverflowRoute,
    private readonly brokers = 1,
  ) {
    const lane = (): Lane => ({
      // kafkajs' own retries can drop messages: each send is one attempt (whole-send.ts).
      producer: kafka.producer(ONE_ATTEMPT_PRODUCER),
      queue: [],
      sending: false,
    });
    this.main = lane();
    if (overflow?.rate.routes) this.hotLane = lane();
  }

  private get lanes(): Lane[] {
    return this.hotLane ? [this.main, this.hotLane] : [this.main];
  }

  connect(): Promise<void> {
    this.connected ??= this.prepareTopics()
      .then(() => Promise.all(this.lanes.map((lane) => lane.producer.connect())))
      .then(() => undefined)
      .catch((error: unknown) => {
        this.connected = undefined;
        throw error;
      });
    return this.connected;
  }

  publish(tenantId: string, events: IncomingEvent[], receivedAt: Date): Promise<void> {
    const appHeaders = {
      [TENANT_HEADER]: tenantId,
      [RECEIVED_AT_HEADER]: String(receivedAt.getTime()),
      [VIA_HEADER]: 'http',
    };
    // One message per request, { events: [...] }: per-message costs (encoding, CRC, headers) are
    // what limits kafkajs, and the consumer checks and stores each event of it on its own.
    const value = JSON.stringify({ events });
    // Signed: the consumer trusts these headers on the app's messages only.
    const headers = { ...appHeaders, [APP_SIGNATURE_HEADER]: this.signer.sign(appHeaders, value) };
    const messages = [{ key: tenantId, value, headers }];
    const bytes = value.length;
    if (this.queuedBytes + bytes > QUEUE_LIMIT_BYTES) {
      return Promise.reject(new SinkUnavailableError('Kafka is not keeping up'));
    }
    // The last send could not reach Kafka at all: answer now rather than queue behind a send
    // that will fail the same way. Leader moves (NOT_LEADER_OR_FOLLOWER...) do not trip this.
    if (Date.now() < this.failFastUntil) {
      return Promise.reject(new SinkUnavailableError('Kafka is unreachable'));
    }
    const lane = this.hotLane && this.hot.has(tenantId) ? this.hotLane : this.main;
    return new Promise<void>((resolve, reject) => {
      // Past the deadline the caller gets a 503; the events may still reach Kafka, and a retry
      // is harmless (event ids deduplicate).
      const timeout = setTimeout(
        () => reject(new SinkUnavailableError('Kafka did not acknowledge in time')),
        PUBLISH_TIMEOUT_MS,
      );
      const settle = (outcome: () => void) => {
        clearTimeout(timeout);
        outcome();
      };
      this.queuedBytes += bytes;
      lane.queue.push({
        tenantId,
        events: events.length,
        messages,
        bytes,
        deadline: Date.now() + PUBLISH_TIMEOUT_MS,
        retryUntil: Date.now() + (this.brokers < 2 ? ONE_BROKER_RETRY_MS : PUBLISH_TIMEOUT_MS),
        resolve: () => settle(resolve),
        reject: (error) =>
          settle(() => reject(error instanceof Error ? error : new Error(String(error)))),
      });
      void this.pump(lane);
    });
  }

  private async pump(lane: Lane): Promise<void> {
    if (lane.sending) return;
    lane.sending = true;
    try {
      while (lane.queue.length > 0) {
        const taken = takeUpTo(lane.queue, SEND_LIMIT_BYTES);
        for (const pending of taken) this.queuedBytes -= pending.bytes;
        // A request whose caller already had its 503 (it waited past the deadline) is not sent.
        const now = Date.now();
        const batch = taken.filter((pending) => pending.deadline > now);
        if (batch.length === 0) continue;
        try {
          await this.connect();
          const { main, hot } = await this.split(batch);
          const topicMessages = [{ topic: this.topic, messages: main.flatMap((p) => p.messages) }];
          if (hot.length > 0) {
            topicMessages.push({
              topic: this.overflow!.topic,
              messages: hot.flatMap((p) =>
                p.messages.map((message) => ({ ...message, key: null })),
              ),
            });
          }
          await lane.producer.sendBatch({
            acks: -1,
            compression: CompressionTypes.None,
            topicMessages: topicMessages.filter((t) => t.messages.length > 0),
          });
          for (const pending of batch) pending.resolve();
          this.countOverflow(hot);
        } catch (error) {
          this.logger.warn({ err: error }, 'Kafka did not take the events');
          await this.afterFailedSend(lane, batch, error);
        }
      }
    } finally {
      lane.sending = false;
    }
  }

  /**
   * A failed send goes back whole to the head of its queue, and is sent again after a pause, for
   * every caller still within its retry time (ONE_BROKER_RETRY_MS with one broker, the deadline
   * with a cluster); the others get their 503. A send the broker refused (too large, not allowed)
   * is not sent again, nor one to a single broker that cannot be reached. A re-send the broker
   * had in fact taken is folded by the store (event ids).
   */
  private async afterFailedSend(lane: Lane, batch: Pending[], error: unknown): Promise<void> {
    const unavailable = new SinkUnavailableError('Kafka is unreachable');
    const now = Date.now();
    const resendBy = now + RESEND_PAUSE_MS;
    // One broker that cannot be reached: nothing to wait for (its client already retried the
    // connection), so 503 now, and to new callers for FAIL_FAST_MS.
    const unreachable = this.brokers < 2 && isConnectionError(error);
    if (unreachable) this.failFastUntil = now + FAIL_FAST_MS;
    const resend = isRetriableSendError(error) && !unreachable;
    const again: Pending[] = [];
    for (const pending of batch) {
      if (resend && pending.retryUntil > resendBy) again.push(pending);
      else pending.reject(unavailable);
    }
    if (again.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, RESEND_PAUSE_MS));
    for (const pending of again) this.queuedBytes += pending.bytes;
    lane.queue.unshift(...again);
  }

  /** The send's requests by destination: hot tenants' to the overflow topic. */
  private async split(batch: Pending[]): Promise<{ main: Pending[]; hot: HotPending[] }> {
    if (!this.overflow) return { main: batch, hot: [] };
    const counts = new Map<string, number>();
    for (const pending of batch) {
      counts.set(pending.tenantId, (counts.get(pending.tenantId) ?? 0) + pending.events);
    }
    const decisions = await this.overflow.rate.record(counts);
    const main: Pending[] = [];
    const hot: HotPending[] = [];
    for (const pending of batch) {
      const decision = decisions.get(pending.tenantId);
      if (this.hotLane && decision?.hot) {
        hot.push({ ...pending, tier: decision.tier });
        this.hot.add(pending.tenantId);
      } else {
        main.push(pending);
        this.hot.delete(pending.tenantId);
      }
    }
    return { main, hot };
  }

  private countOverflow(hot: HotPending[]): void {
    for (const pending of hot)
      this.overflow!.rate.countOverflow(pending.tier, 'api', pending.events);
  }

  async close(): Promise<void> {
    while (this.lanes.some((lane) => lane.sending || lane.queue.length > 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(this.lanes.map((lane) => lane.producer.disconnect().catch(() => undefined)));
  }

  /** Nest calls this on shutdown for the instance its factory made. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

type HotPending = Pending & { tier: TenantTier | null };

/** Whole requests from the queue, up to `limit` bytes of values (at least one request). */
function takeUpTo(queue: Pending[], limit: number): Pending[] {
  let bytes = 0;
  let count = 0;
  for (const pending of queue) {
    if (count > 0 && bytes + pending.bytes > limit) break;
    bytes += pending.bytes;
    count += 1;
  }
  return queue.splice(0, count);
}
