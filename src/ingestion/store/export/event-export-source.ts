/**
 * Streaming reads of one tenant's events for a data export, kept apart from the write path
 * (event-store.ts) on purpose: an export reads millions of rows page by page, never all at once.
 */

/** One event as an export archive holds it (events.ndjson.gz, one JSON object a line). */
export interface ExportedEvent {
  event_id: string;
  /** RFC 3339, UTC, milliseconds (ClickHouse keeps whole seconds). */
  timestamp: string;
  event_type: string;
  user_id: string;
  session_id: string;
  properties: Record<string, string | number | boolean>;
  received_at: string;
}

/**
 * A page of events as NDJSON, in chunks of at most CHUNK_LINES lines. Small strings on purpose:
 * V8 puts a string over ~128 KB straight into its large-object space, which only a full
 * collection frees, so megabyte pages pile up as garbage and the process grows; chunks this size
 * die young, in the cheap collections.
 */
export interface EventPage {
  count: number;
  chunks: string[];
}

/** Lines per chunk: ~100 events of ~400 bytes, well under V8's large-object threshold. */
export const CHUNK_LINES = 100;

/** Events with timestamp in [from, to). */
export interface EventTimeRange {
  from: Date;
  to: Date;
}

export interface EventExportSource {
  readonly kind: 'clickhouse' | 'postgres';
  /** Distinct events of the tenant in the range (the export's progress measures against it). */
  count(tenantId: string, range: EventTimeRange): Promise<number>;
  /**
   * The tenant's events in the range, ordered by (timestamp, event_id), in pages of at most
   * `pageSize`: the next page is read only when the caller asks for it (backpressure). A page is
   * NDJSON text (one ExportedEvent a line, newline-terminated) and its event count: a store
   * that can write the JSON itself spares the app millions of short-lived objects.
   */
  pages(tenantId: string, range: EventTimeRange, pageSize: number): AsyncIterable<EventPage>;
  close(): Promise<void>;
}

export const EVENT_EXPORT_SOURCE = Symbol('EventExportSource');
