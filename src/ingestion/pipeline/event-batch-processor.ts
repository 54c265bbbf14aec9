import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { isUuid } from '../../common/uuid';
import type { FieldError } from '../../common/field-error';
import { checkEvent, type EventRow, toRow } from '../events/event-contract';
import { EventWriter } from './event-writer';
import { TenantDirectory } from './tenant-directory';
import { UsageMeter } from './usage-meter';

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
  | 'invalid_event';

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

  /** Resolves when every storable message of the batch is in the store. */
  async process(messages: RawEventMessage[]): Promise<DeadLetter[]> {
    const rows: EventRow[] = [];
    const dead: DeadLetter[] = [];
    const now = Date.now();
    for (const message of messages) {
      const tenantId = (message.headers.tenant_id ?? message.key ?? '').toLowerCase();
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
        if (tenant) this.usage.add(tenantId, 'dead_lettered', 1);
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(message.value?.toString('utf8') ?? '');
      } catch {
        dead.push({ message, reason: 'invalid_json' });
        this.usage.add(tenantId, 'dead_lettered', 1);
        continue;
      }
      // One event, or { events: [...] } (what the HTTP API produces: one message per request).
      const items = isBatch(body) ? body.events : [body];
      const receivedHeader = Number(message.headers.received_at);
      const receivedAt = new Date(
        Number.isFinite(receivedHeader) && receivedHeader > 0 ? receivedHeader : message.timestamp,
      );
      let accepted = 0;
      items.forEach((item, index) => {
        const check = checkEvent(item, now, tenant.retentionDays);
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
          this.usage.add(tenantId, 'dead_lettered', 1);
        }
      });
      // Events the HTTP API produced were counted as accepted there; direct producers' here.
      if (message.headers.ingested_via !== 'http') this.usage.add(tenantId, 'accepted', accepted);
    }
    for (const letter of dead) this.deadLettered.inc({ reason: letter.reason });
    if (dead.length > 0) {
      this.logger.warn(
        { dead_letters: dead.length, reasons: [...new Set(dead.map((d) => d.reason))] },
        'messages that can never be stored go to the dead-letter topic',
      );
    }
    await this.writer.write(rows);
    return dead;
  }
}
