import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { Environment } from '../../config/environment';
import type { FieldError } from '../../common/field-error';
import {
  checkEvent,
  type EventCheck,
  type EventRow,
  type IncomingEvent,
  toRow,
} from '../events/event-contract';
import {
  decodeEventMessage,
  messageLimits,
  type MessageLimits,
  type UndecodableReason,
} from './event-message-decoder';
import { EventWriter } from './event.writer';
import { type MessageOrigin, MessageOriginResolver } from './message-origin.resolver';
import { TenantDirectory } from './tenant.directory';
import { QuotaService, quotaError } from '../../billing/quota/quota.service';
import { UsageMeter, type UsageCounter } from '../../billing/usage/usage.meter';
import { DeadLetterCountsStore } from '../dead-letters/dead-letter-counts.store';

export const EVENTS_DEAD_LETTERED = 'tenantry_events_dead_lettered_total';

/** One message as it came off the topic, transport-neutral. */
export interface RawEventMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
  /** Its offset in its partition, for the dead letter's provenance. */
  offset?: string;
  /**
   * Below its partition's replay mark: metered before a restore, replayed to refill the stores.
   * Stored as usual, but neither counted in usage nor reserved against the quota again.
   */
  replayed?: boolean;
}

export type DeadLetterReason =
  | 'unauthenticated'
  | 'unknown_tenant'
  | 'tenant_suspended'
  | 'tenant_deleted'
  | UndecodableReason
  | 'unprocessable'
  | 'store_rejected'
  | 'quota_exceeded';

export type UsageDelta = [tenantId: string, counter: UsageCounter, count: number];

export interface ProcessedBatch {
  dead: DeadLetter[];
  usage: UsageDelta[];
}

/**
 * A message that can never be stored, whole and as it arrived (the raw bytes, never a
 * re-serialisation): for a batch message with invalid items, one dead letter names each
 * refused item as `events[i].field`, while its valid items are stored.
 */
export interface DeadLetter {
  message: RawEventMessage;
  reason: DeadLetterReason;
  /** The tenant the message named, only when it is a real one. */
  tenantId?: string;
  errors?: FieldError[];
}

/** Work done between two yields to the event loop while a batch is checked. */
const SLICE_MS = 20;

/**
 * Turns a batch of topic messages into stored rows and dead letters. A message whose tenant is
 * unknown, suspended or deleted, whose body breaks the contract or its bounds, or whose
 * handling throws, can never be stored: it is handed back as a dead letter with its reason,
 * and the batch goes on. Only infrastructure failures (the tenant lookup, the store) fail the
 * batch, which is then delivered again.
 */
@Injectable()
export class EventBatchProcessor {
  private readonly logger = new Logger(EventBatchProcessor.name);
  /** The HTTP request's bounds, so a direct message may size no more work than a request. */
  private readonly limits: MessageLimits;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly writer: EventWriter,
    private readonly usage: UsageMeter,
    private readonly origins: MessageOriginResolver,
    private readonly quota: QuotaService,
    @InjectMetric(EVENTS_DEAD_LETTERED) private readonly deadLettered: Counter<string>,
    config: ConfigService<Environment, true>,
    private readonly deadLetterCounts: DeadLetterCountsStore,
  ) {
    this.limits = messageLimits(config.get('HTTP_BODY_LIMIT', { infer: true }));
  }

  /**
   * Resolves when every storable message of the batch is in the store, with the dead letters to
   * produce and the usage to count. The caller counts the usage only once the batch's offsets
   * are committed, so a retried batch is not counted twice.
   */
  async process(messages: RawEventMessage[]): Promise<ProcessedBatch> {
    const reserved: [tenantId: string, count: number][] = [];
    const now = Date.now();
    try {
      return await this.processReserving(messages, reserved, now);
    } catch (error) {
      // The batch will be delivered again: give back what its messages reserved.
      for (const [tenantId, count] of reserved) {
        await this.quota.release(tenantId, count, new Date(now));
      }
      throw error;
    }
  }

  private async processReserving(
    messages: RawEventMessage[],
    reserved: [tenantId: string, count: number][],
    now: number,
  ): Promise<ProcessedBatch> {
    const rows: EventRow[] = [];
    const dead: DeadLetter[] = [];
    const usage: UsageDelta[] = [];
    let sliceStart = performance.now();
    for (const message of messages) {
      // A large batch of large messages is checked in slices, so other tenants' requests on
      // this process are answered meanwhile.
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      // A replayed message's usage was counted before the restore: it goes nowhere now.
      const counted = message.replayed ? [] : usage;
      // Who sent it, proven: the app's signature or a producer's API key. Never a bare header.
      const origin = await this.origins.resolve(message.headers, message.value);
      if (origin.kind === 'unauthenticated') {
        dead.push({ message, reason: 'unauthenticated', errors: origin.errors });
        continue;
      }
      const { tenantId } = origin;
      // A lookup failure is the database's, not the message's: it fails the batch (retried).
      const tenant = await this.directory.get(tenantId);
      if (!tenant || tenant.status !== 'active') {
        const reason = !tenant
          ? 'unknown_tenant'
          : tenant.status === 'suspended'
            ? 'tenant_suspended'
            : 'tenant_deleted';
        dead.push({ message, reason, ...(tenant ? { tenantId } : {}) });
        // Counted while the tenant's data exists: never a usage row for a purged tombstone.
        if (tenant && tenant.status !== 'purging' && tenant.status !== 'purged') {
          counted.push([tenantId, 'dead_lettered', 1]);
        }
        continue;
      }
      let outcome: ReturnType<EventBatchProcessor['checkMessage']>;
      try {
        outcome = this.checkMessage(message, origin, tenant.retentionDays, now);
      } catch (error) {
        // Whatever this message makes the checks do, it can fail only itself.
        this.logger.error({ err: error, tenant_id: tenantId }, 'a message could not be processed');
        dead.push({
          message,
          reason: 'unprocessable',
          tenantId,
          errors: [{ field: 'value', message: 'the message could not be processed' }],
        });
        counted.push([tenantId, 'dead_lettered', 1]);
        continue;
      }
      // The month's quota, for events accepted here (a direct producer's): a message is stored
      // whole or, when its events do not all fit, dead-lettered whole with reason
      // quota_exceeded (nothing of it stored), so a producer can send it again as it was.
      // Events the API produced were reserved there.
      if (outcome.metered && outcome.rows.length > 0 && !message.replayed) {
        const decision = await this.quota.reserve(
          {
            id: tenantId,
            tier: tenant.tier,
            planId: tenant.planId,
            planOverrides: tenant.planOverrides,
          },
          outcome.rows.length,
          { whole: true, at: new Date(now) },
        );
        if (decision.granted === 0) {
          dead.push({
            message,
            reason: 'quota_exceeded',
            tenantId,
            errors: [...(outcome.dead?.errors ?? []), quotaError(decision)],
          });
          counted.push(
            ...outcome.usage.filter(([, counter]) => counter !== 'accepted'),
            [tenantId, 'dead_lettered', outcome.rows.length],
          );
          continue;
        }
        reserved.push([tenantId, decision.granted]);
      }
      rows.push(...outcome.rows);
      if (outcome.dead) dead.push(outcome.dead);
      counted.push(...outcome.usage);
    }
    this.countDeadLetters(dead);
    if (dead.length > 0) {
      this.logger.warn(
        { dead_letters: dead.length, reasons: [...new Set(dead.map((d) => d.reason))] },
        'messages that can never be stored go to the dead-letter topic',
      );
    }
    await this.writer.write(rows);
    return { dead, usage };
  }

  /** One message of an active tenant: its storable rows, and a dead letter for the rest. */
  private checkMessage(
    message: RawEventMessage,
    origin: MessageOrigin & { tenantId: string },
    retentionDays: number,
    now: number,
  ): { rows: EventRow[]; dead?: DeadLetter; usage: UsageDelta[]; metered: boolean } {
    const { tenantId } = origin;
    // The API checked each event of a message it signed, against this receivedAt, before
    // producing it: checking again here only cost CPU per event (an accepted event is stored).
    const checkedByApi = origin.kind === 'app' && origin.viaHttp;
    const decoded = decodeEventMessage(message.value, this.limits, checkedByApi);
    if (!decoded.ok) {
      return {
        rows: [],
        dead: { message, reason: decoded.reason, tenantId, errors: decoded.errors },
        usage: [[tenantId, 'dead_lettered', 1]],
        metered: false,
      };
    }
    // The time the event was accepted: the API's (signed) header when it is plausible, so an
    // event the API accepted is never refused here for having aged in the topic. A direct
    // producer's is now: its message timestamp is its own to set, and would shift the
    // retention window.
    const receivedAt = new Date(origin.kind === 'app' ? acceptedAt(origin.receivedAt, now) : now);
    const rows: EventRow[] = [];
    const errors: FieldError[] = [];
    let refused = 0;
    decoded.items.forEach((item, index) => {
      const check = checkedByApi
        ? acceptedByApi(item)
        : checkEvent(item, receivedAt.getTime(), retentionDays);
      if (check.ok) {
        rows.push(toRow(tenantId, check, receivedAt));
        return;
      }
      refused += 1;
      const prefix = decoded.batch ? `events[${index}].` : '';
      for (const error of check.errors) errors.push({ ...error, field: prefix + error.field });
    });
    const usage: UsageDelta[] = [];
    if (refused > 0) usage.push([tenantId, 'dead_lettered', refused]);
    // Events the HTTP API produced were counted as accepted there; direct producers' here.
    const metered = !(origin.kind === 'app' && origin.viaHttp);
    if (metered && rows.length > 0) usage.push([tenantId, 'accepted', rows.length]);
    const dead: DeadLetter | undefined =
      refused > 0 ? { message, reason: 'invalid_event', tenantId, errors } : undefined;
    return { rows, dead, usage, metered };
  }

  /**
   * Counts dead letters in tenantry_events_dead_lettered_total and in the tenant's counts by
   * reason (GET /admin/tenants/:id/health): this batch's, and the rows the store refused for
   * good (store_rejected), which the transport dead-letters from the writer.
   */
  countDeadLetters(dead: readonly Pick<DeadLetter, 'reason' | 'tenantId'>[]): void {
    for (const letter of dead) this.deadLettered.inc({ reason: letter.reason });
    this.deadLetterCounts.record(dead);
  }

  /** Counts a processed batch's usage; call once its offsets are committed. */
  countUsage(usage: UsageDelta[]): void {
    for (const [tenantId, counter, count] of usage) this.usage.add(tenantId, counter, count);
  }
}

/** An event of an app-signed API message, as the API checked it. */
function acceptedByApi(item: unknown): EventCheck {
  const event = item as IncomingEvent;
  return { ok: true, event, timestamp: new Date(event.timestamp) };
}

const ACCEPTED_AT_WINDOW_MS = 30 * 86_400_000;

function acceptedAt(header: number, now: number): number {
  const plausible =
    Number.isFinite(header) && header > now - ACCEPTED_AT_WINDOW_MS && header < now + 86_400_000;
  return plausible ? header : now;
}
