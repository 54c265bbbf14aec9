import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { isUuid } from '../../common/uuid';
import type { FieldError } from '../../common/field-error';
import { checkEvent, type EventRow, toRow } from '../events/event-contract';
import { EventWriter } from './event-writer';
import { TenantDirectory } from './tenant-directory';
import { UsageMeter, type UsageCounter } from './usage-meter';

export const EVENTS_DEAD_LETTERED = 'tenantry_events_dead_lettered_total';

/** One message as it came off the topic, transport-neutral. */
export interface RawEventMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
  /** Broker timestamp (ms), the received time when no received_at header came with it. */
  timestamp: number;
}

export type DeadLetterReason =
  | 'missing_tenant'
  | 'unknown_tenant'
  | 'tenant_suspended'
  | 'tenant_deleted'
  | 'invalid_json'
  | 'invalid_event'
  | 'store_rejected';

export type UsageDelta = [tenantId: string, counter: UsageCounter, count: number];

export interface ProcessedBatch {
  dead: DeadLetter[];
  usage: UsageDelta[];
}

export interface DeadLetter {
  message: RawEventMessage;
  reason: DeadLetterReason;
  errors?: FieldError[];
  /** Its position in the message's { events: [...] }, for an item of a batch message. */
  index?: number;
}

function isBatch(body: unknown): body is { events: unknown[] } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Array.isArray((body as { events?: unknown }).events) &&
    Object.keys(body).length === 1
  );
}

/**
 * Turns a batch of topic messages into stored rows and dead letters. A message whose tenant is
 * unknown, suspended or deleted, or whose body breaks the contract, can never be stored: it is
 * handed back as a dead letter with its reason, and the batch goes on.
 */
@Injectable()
export class EventBatchProcessor {
  private readonly logger = new Logger(EventBatchProcessor.name);

  constructor(
    private readonly directory: TenantDirectory,
    private readonly writer: EventWriter,
    private readonly usage: UsageMeter,
    @InjectMetric(EVENTS_DEAD_LETTERED) private readonly deadLettered: Counter<string>,
  ) {}

  /**
   * Resolves when every storable message of the batch is in the store, with the dead letters to
   * produce and the usage to count. The caller counts the usage only once the batch's offsets
   * are committed, so a retried batch is not counted twice.
   */
  async process(messages: RawEventMessage[]): Promise<ProcessedBatch> {
    const rows: EventRow[] = [];
    const dead: DeadLetter[] = [];
    const usage: UsageDelta[] = [];
    const now = Date.now();
    for (const message of messages) {
      // `||`, not `??`: an empty header must not hide a good key.
      const tenantId = (message.headers.tenant_id || message.key || '').toLowerCase();
      if (!isUuid(tenantId)) {
        dead.push({ message, reason: 'missing_tenant' });
        continue;
      }
      const tenant = await this.directory.get(tenantId);
      if (!tenant || tenant.status !== 'active') {
        const reason = !tenant
          ? 'unknown_tenant'
          : tenant.status === 'suspended'
            ? 'tenant_suspended'
            : 'tenant_deleted';
        dead.push({ message, reason });
        if (tenant) usage.push([tenantId, 'dead_lettered', 1]);
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(message.value?.toString('utf8') ?? '');
      } catch {
        dead.push({ message, reason: 'invalid_json' });
        usage.push([tenantId, 'dead_lettered', 1]);
        continue;
      }
      // One event, or { events: [...] } (what the HTTP API produces: one message per request).
      const items = isBatch(body) ? body.events : [body];
      if (items.length === 0) {
        dead.push({
          message,
          reason: 'invalid_event',
          errors: [{ field: 'events', message: 'events must hold at least one event' }],
        });
        usage.push([tenantId, 'dead_lettered', 1]);
        continue;
      }
      // The time the event was accepted: the API's header when it is plausible, else the
      // broker's timestamp. The timestamp window is judged against it, so an event the API
      // accepted is never refused here for having aged in the topic.
      const receivedAt = new Date(acceptedAt(message, now));
      let accepted = 0;
      items.forEach((item, index) => {
        const check = checkEvent(item, receivedAt.getTime(), tenant.retentionDays);
        if (check.ok) {
          rows.push(toRow(tenantId, check, receivedAt));
          accepted += 1;
        } else {
          dead.push({
            // An item of a batch goes to the dead-letter topic on its own.
            message:
              items.length > 1 ? { ...message, value: Buffer.from(JSON.stringify(item)) } : message,
            reason: 'invalid_event',
            errors: check.errors,
            ...(items.length > 1 ? { index } : {}),
          });
          usage.push([tenantId, 'dead_lettered', 1]);
        }
      });
      // Events the HTTP API produced were counted as accepted there; direct producers' here.
      if (message.headers.ingested_via !== 'http' && accepted > 0) {
        usage.push([tenantId, 'accepted', accepted]);
      }
    }
    for (const letter of dead) this.deadLettered.inc({ reason: letter.reason });
    if (dead.length > 0) {
      this.logger.warn(
        { dead_letters: dead.length, reasons: [...new Set(dead.map((d) => d.reason))] },
        'messages that can never be stored go to the dead-letter topic',
      );
    }
    await this.writer.write(rows);
    return { dead, usage };
  }

  /** Counts a processed batch's usage; call once its offsets are committed. */
  countUsage(usage: UsageDelta[]): void {
    for (const [tenantId, counter, count] of usage) this.usage.add(tenantId, counter, count);
  }
}

const ACCEPTED_AT_WINDOW_MS = 30 * 86_400_000;

function acceptedAt(message: RawEventMessage, now: number): number {
  const header = Number(message.headers.received_at);
  const plausible = (ms: number) =>
    Number.isFinite(ms) && ms > now - ACCEPTED_AT_WINDOW_MS && ms < now + 86_400_000;
  if (plausible(header)) return header;
  return plausible(message.timestamp) ? message.timestamp : now;
}
