import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { FieldError } from '../../common/field-error';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { checkEvent, type IncomingEvent } from '../events/event-contract';
import { EVENT_SINK, type EventSink, SinkUnavailableError } from '../pipeline/event-sink';
import {
  QuotaService,
  quotaError,
  type QuotaDecision,
} from '../../billing/quota/quota.service';
import { UsageMeter } from '../../billing/usage/usage.meter';
import type { Actor } from '../../tenancy/scope/actor';

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

/** The 429 of a request none of whose events fits in the month's quota. */
export interface QuotaExceededBody {
  statusCode: 429;
  error: 'Too Many Requests';
  message: string;
  reason: 'quota_exceeded';
  quota: number;
  used: number;
  resets_at: string;
  errors: FieldError[];
}

type Outcome =
  | { kind: 'accepted'; body: IntakeResult }
  | { kind: 'invalid'; body: Record<string, unknown> }
  | { kind: 'quota_exceeded'; body: QuotaExceededBody; retryAfterSeconds: number }
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
    private readonly quota: QuotaService,
    @InjectMetric(EVENTS_ACCEPTED) private readonly acceptedTotal: Counter<string>,
    @InjectMetric(EVENTS_REJECTED) private readonly rejectedTotal: Counter<string>,
    private readonly entitlements: EntitlementsService,
  ) {}

  async accept(tenant: Tenant, body: unknown, receivedAt: Date, actor?: Actor): Promise<Outcome> {
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
    // The month's quota: the first valid events that fit are accepted, the rest refused.
    const decision = await this.quota.reserve(tenant, accepted.length, { at: receivedAt, actor });
    const fitting = decision.granted;
    if (fitting < accepted.length) {
      const refused = accepted.length - fitting;
      this.rejectedTotal.inc(refused);
      this.usage.add(tenant.id, 'rejected', refused);
      if (fitting === 0) return quotaExceeded(decision);
      // Indexes of the valid events past the quota, in the request's order.
      const invalid = new Set(rejected.map((r) => r.index));
      const validIndexes = items.map((_, i) => i).filter((i) => !invalid.has(i));
      for (const index of validIndexes.slice(fitting)) {
        rejected.push({ index, errors: [quotaError(decision)] });
      }
      rejected.sort((a, b) => a.index - b.index);
    }
    const admitted = fitting < accepted.length ? accepted.slice(0, fitting) : accepted;
    try {
      await this.sink.publish(tenant.id, admitted, receivedAt);
    } catch (error) {
      await this.quota.release(tenant.id, fitting, receivedAt);
      if (error instanceof SinkUnavailableError) return { kind: 'unavailable' };
      throw error;
    }
    this.acceptedTotal.inc(admitted.length);
    this.usage.add(tenant.id, 'accepted', admitted.length);
    return { kind: 'accepted', body: { accepted: admitted.length, rejected } };
  }
}

function quotaExceeded(decision: QuotaDecision): Outcome {
  const retryAfterSeconds = Math.max(1, Math.ceil((decision.resetsAt.getTime() - Date.now()) / 1000));
  return {
    kind: 'quota_exceeded',
    retryAfterSeconds,
    body: {
      statusCode: 429,
      error: 'Too Many Requests',
      message: `The monthly event quota (${decision.quota}) is reached; nothing was accepted`,
      reason: 'quota_exceeded',
      quota: decision.quota,
      used: decision.used,
      resets_at: decision.resetsAt.toISOString(),
      errors: [quotaError(decision)],
    },
  };
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
