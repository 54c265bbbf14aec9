import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseUser } from '../clickhouse-event.store';
import { identifier, uuidLiteral } from '../clickhouse/sql-literal';
import { shardOf } from '../clickhouse/shard-of';
import {
  CHUNK_LINES,
  type EventExportSource,
  type EventPage,
  type EventTimeRange,
  type ExportedEvent,
} from './event-export-source';

/** Lines joined into chunks of CHUNK_LINES, each newline-terminated. */
function chunked(lines: string[]): EventPage {
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    chunks.push(`${lines.slice(i, i + CHUNK_LINES).join('\n')}\n`);
  }
  return { count: lines.length, chunks };
}

interface ClickHouseEventRow {
  event_id: string;
  ts: number;
  event_type: string;
  user_id: string;
  session_id: string;
  properties: string;
  received: number;
}

/** DateTime is a UInt32 of seconds: a later bound (the API takes years up to 9999) is clamped. */
const LAST_DATETIME_SECOND = 4_294_967_295;

/** A whole-second bound: ClickHouse's DateTime keeps seconds. */
function seconds(date: Date, round: 'floor' | 'ceil'): number {
  return Math.min(Math.max(Math[round](date.getTime() / 1000), 0), LAST_DATETIME_SECOND);
}

/**
 * Export reads from the ClickHouse event store: one query, FINAL (each event once), streamed as
 * JSONEachRow and cut into pages as it arrives; the HTTP response is read only as fast as the
 * archive is written, so memory holds one page, whatever the tenant's size.
 *
 * It runs as the writer user: the reader's profile stops any query after 30 s or past its row
 * limit, which a complete export of a large tenant exceeds by design. The SQL is built from a
 * checked UUID and integers only. On a cluster it reads the tenant's own shard's local table
 * (shard-of.ts), where all of the tenant's events are, with no Distributed hop.
 */
export class ClickHouseEventExportStore implements EventExportSource {
  readonly kind = 'clickhouse' as const;
  private readonly clients: ClickHouseClient[];
  private readonly db: string;

  /** `urls`: the single server, or every server of a cluster in shard order. */
  constructor(urls: string | readonly string[], database: string, writer?: ClickHouseUser) {
    this.db = identifier(database);
    this.clients = (typeof urls === 'string' ? [urls] : urls).map((url) =>
      createClient({
        url,
        ...writer,
        // A slow archive write pauses the response; give it room before the socket gives up.
        request_timeout: 600_000,
        compression: { response: true, request: false },
        log: { level: ClickHouseLogLevel.OFF },
      }),
    );
  }

  private clientOf(tenantId: string): ClickHouseClient {
    return this.clients[shardOf(tenantId, this.clients.length)];
  }

  private where(tenantId: string, range: EventTimeRange): string {
    return `tenant_id = ${uuidLiteral(tenantId)}
        AND timestamp >= toDateTime(${seconds(range.from, 'floor')})
        AND timestamp < toDateTime(${seconds(range.to, 'ceil')})`;
  }

  async count(tenantId: string, range: EventTimeRange): Promise<number> {
    const result = await this.clientOf(tenantId).query({
      query: `SELECT count() AS n FROM ${this.db}.events FINAL WHERE ${this.where(tenantId, range)}`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ n: string }>();
    return Number(rows[0]?.n ?? 0);
  }

  async *pages(
    tenantId: string,
    range: EventTimeRange,
    pageSize: number,
  ): AsyncIterable<EventPage> {
    const result = await this.clientOf(tenantId).query({
      query: `SELECT toString(event_id) AS event_id, toUnixTimestamp(timestamp) AS ts, event_type,
                     user_id, session_id, properties, toUnixTimestamp(received_at) AS received
                FROM ${this.db}.events FINAL
               WHERE ${this.where(tenantId, range)}
               ORDER BY timestamp, event_id`,
      format: 'JSONEachRow',
    });
    let page: string[] = [];
    for await (const rows of result.stream<ClickHouseEventRow>()) {
      for (const row of rows) {
        const event = row.json();
        const exported: ExportedEvent = {
          event_id: event.event_id,
          timestamp: new Date(Number(event.ts) * 1000).toISOString(),
          event_type: event.event_type,
          user_id: event.user_id,
          session_id: event.session_id,
          properties: JSON.parse(event.properties) as ExportedEvent['properties'],
          received_at: new Date(Number(event.received) * 1000).toISOString(),
        };
        page.push(JSON.stringify(exported));
        if (page.length >= pageSize) {
          yield chunked(page);
          page = [];
        }
      }
    }
    if (page.length > 0) yield chunked(page);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /** Nest calls this on shutdown for the instance its factory made. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
