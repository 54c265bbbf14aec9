import type { EventRow } from '../events/event-contract';

/**
 * What a write did: rows sent, and per tenant the rows newly stored where the store can tell
 * (PostgreSQL skips duplicates and counts the rest; ClickHouse counts every row sent, and folds
 * duplicates away later).
 */
export interface WriteResult {
  written: number;
  perTenant: Map<string, number>;
}

/**
 * Where accepted events live: ClickHouse, or PostgreSQL when no ClickHouse is configured. Writes
 * are idempotent on (tenant_id, event_id): re-delivered events are stored once, and every read
 * counts each event once. Reads always take the tenant id (ClickHouse has no RLS).
 */
export interface EventStore {
  readonly kind: 'clickhouse' | 'postgres';
  /** Creates what the store needs (tables, partitions); safe to call at every start. */
  prepare(): Promise<void>;
  /** One batch, any mix of tenants; resolves only when the store has it durably. */
  write(rows: EventRow[]): Promise<WriteResult>;
  /** Distinct events of one tenant, optionally of one type (tests, checks, simple reads). */
  countEvents(tenantId: string, eventType?: string): Promise<number>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

export function groupByTenant(rows: EventRow[]): Map<string, EventRow[]> {
  const groups = new Map<string, EventRow[]>();
  for (const row of rows) {
    const group = groups.get(row.tenantId);
    if (group) group.push(row);
    else groups.set(row.tenantId, [row]);
  }
  return groups;
}
