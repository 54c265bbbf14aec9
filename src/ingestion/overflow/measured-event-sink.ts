import type { IncomingEvent } from '../events/event-contract';
import type { EventSink } from '../pipeline/event-sink';
import type { IntakeRateService } from './intake-rate.service';

/**
 * Without Kafka there is no overflow topic: the in-process sink stores every tenant's events the
 * same way. The rate is still counted (the tenant health figure, and a hot tenant is logged as
 * one that would overflow), before the events are handed on; a count never delays or fails them.
 */
export class MeasuredEventSink implements EventSink {
  readonly kind: EventSink['kind'];

  constructor(
    private readonly inner: EventSink,
    private readonly rate: IntakeRateService,
  ) {
    this.kind = inner.kind;
  }

  publish(tenantId: string, events: IncomingEvent[], receivedAt: Date): Promise<void> {
    void this.rate.record(new Map([[tenantId, events.length]])).catch(() => undefined);
    return this.inner.publish(tenantId, events, receivedAt);
  }
}
