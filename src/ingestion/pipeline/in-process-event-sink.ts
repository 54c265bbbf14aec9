import { type IncomingEvent, toRow } from '../events/event-contract';
import type { EventSink } from './event-sink';
import type { EventWriter } from './event.writer';

/** No Kafka: accepted events go to the event writer at once; the answer waits for the store. */
export class InProcessEventSink implements EventSink {
  readonly kind = 'in-process' as const;

  constructor(private readonly writer: EventWriter) {}

  publish(tenantId: string, events: IncomingEvent[], receivedAt: Date): Promise<void> {
    return this.writer.write(
      events.map((event) =>
        toRow(tenantId, { event, timestamp: new Date(event.timestamp) }, receivedAt),
      ),
    );
  }
}
