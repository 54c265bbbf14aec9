import type { IncomingEvent } from '../events/event-contract';

/**
 * Where accepted events go from the HTTP API: the Kafka topic, or (no Kafka configured) straight
 * to the event writer in this process. `publish` resolves only when the events are durable
 * there (Kafka acknowledged them to all in-sync replicas, or the store has them).
 */
export interface EventSink {
  readonly kind: 'kafka' | 'in-process';
  publish(tenantId: string, events: IncomingEvent[], receivedAt: Date): Promise<void>;
}

export const EVENT_SINK = Symbol('EventSink');

/** The sink could not take the events (Kafka unreachable): the API answers 503, Retry-After. */
export class SinkUnavailableError extends Error {}
