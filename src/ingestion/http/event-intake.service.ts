import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { FieldError } from '../../common/field-error';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { checkEvent, type IncomingEvent } from '../events/event-contract';
import { EVENT_SINK, type EventSink, SinkUnavailableError } from '../pipeline/event-sink';
import { UsageMeter } from '../pipeline/usage.meter';

export const MAX_EVENTS_PER_REQUEST = 1000;
export const EVENTS_ACCEPTED = 'tenantry_events_accepted_total';
export const EVENTS_REJECTED = 'tenantry_events_rejected_total';

export interface Rejection {
  index: number;
  errors: FieldError[];
}

export interface IntakeResult {
  accepted: number;
  rejected: Rejection[];
}

type Outcome =
  | { kind: 'accepted'; body: IntakeResult }
  | { kind: 'invalid'; body: Record<string, unknown> }
  | { kind: 'unavailable' };

/**
 * POST /v1/events: unwraps one event or { events: [...] }, checks each item on its own, hands
 * the valid ones to the sink (Kafka, or the store in-process) and waits until they are durable.
 * Either all of the request's valid events are accepted or, if the sink is down, none are.
 */
@Injectable()
export class EventIntakeService {
  constructor(
    @Inject(EVENT_SINK) private readonly sink: EventSink,
    private readonly usage: UsageMeter,
    @InjectMetric(EVENTS_ACCEPTED) private readonly acceptedTotal: Counter<string>,
    @InjectMetric(EVENTS_REJECTED) private readonly rejectedTotal: Counter<string>,
    private readonly entitlements: EntitlementsService,
  ) {}

  async accept(tenant: Tenant, body: unknown, receivedAt: Date): Promise<Outcome> {
    const unwrapped = unwrap(body);
    if ('errors' in unwrapped) {
      return {
        kind: 'invalid',
        body: { message: 'Invalid event batch', errors: unwrapped.errors },
      };
    }
    const { items, batch } = unwrapped;
    const retentionDays = (await this.entitlements.termsOf(tenant)).dataRetentionDays;
    const now = receivedAt.getTime();
    const accepted: IncomingEvent[] = [];
    const rejected: Rejection[] = [];
    items.forEach((item, index) => {
      const check = checkEvent(item, now, retentionDays);
      if (check.ok) accepted.push(check.event);
      else rejected.push({ index, errors: check.errors });
    });
    this.rejectedTotal.inc(rejected.length);
    this.usage.add(tenant.id, 'rejected', rejected.length);
    if (accepted.length === 0) {
      return {
        kind: 'invalid',
        body: {
          message: batch ? 'No event of the batch was valid' : 'The event is not valid',
          errors: rejected.flatMap((r) =>
            r.errors.map((e) => ({
              ...e,
              field: batch ? `events[${r.index}].${e.field}` : e.field,
            })),
          ),
          accepted: 0,
          rejected,
        },
      };
    }
    try {
      await this.sink.publish(tenant.id, accepted, receivedAt);
    } catch (error) {
      if (error instanceof SinkUnavailableError) return { kind: 'unavailable' };
      throw error;
    }
    this.acceptedTotal.inc(accepted.length);
    this.usage.add(tenant.id, 'accepted', accepted.length);
    return { kind: 'accepted', body: { accepted: accepted.length, rejected } };
  }
}

function unwrap(body: unknown): { items: unknown[]; batch: boolean } | { errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: [{ field: 'body', message: 'body must be one event or { events: [...] }' }] };
  }
  if (!('events' in body)) return { items: [body], batch: false };
  const extra = Object.keys(body).filter((key) => key !== 'events');
  if (extra.length > 0) {
    return {
      errors: extra.map((key) => ({ field: key, message: `${key} is not an accepted field` })),
    };
  }
  const events = body.events;
  if (!Array.isArray(events)) {
    return { errors: [{ field: 'events', message: 'events must be an array of events' }] };
  }
  if (events.length === 0 || events.length > MAX_EVENTS_PER_REQUEST) {
    return {
      errors: [
        { field: 'events', message: `events must hold 1 to ${MAX_EVENTS_PER_REQUEST} events` },
      ],
    };
  }
  return { items: events, batch: true };
}
