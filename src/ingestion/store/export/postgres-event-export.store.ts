import { TenantContext } from '../../../tenancy/scope/tenant.context';
import {
  CHUNK_LINES,
  type EventExportSource,
  type EventPage,
  type EventTimeRange,
} from './event-export-source';

/** One chunk of a page (CHUNK_LINES events), in order. */
interface EventChunkRow {
  n: number;
  /** The chunk as NDJSON, built by PostgreSQL: one string for the driver, not hundreds. */
  ndjson: string;
  /** The chunk's last row: its timestamp as PostgreSQL prints it (the exact keyset value), id. */
  last_ts: string;
  last_id: string;
}

/** RFC 3339 in UTC with milliseconds, as JavaScript's toISOString writes it. */
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Export reads from the PostgreSQL event store: a keyset loop over (timestamp, event_id), one
 * short transaction per page under the tenant's RLS (no cursor held open for minutes, no
 * connection pinned while the archive is written). Each page uses events_tenant_time_idx, and
 * PostgreSQL writes each event's JSON line itself (json_build_object: the keys in the export's
 * order), so the app handles one string per event.
 */
export class PostgresEventExportStore implements EventExportSource {
  readonly kind = 'postgres' as const;

  constructor(private readonly tenantContext: TenantContext) {}

  count(tenantId: string, range: EventTimeRange): Promise<number> {
    return this.tenantContext.runInTenant(tenantId, async () => {
      const rows: { n: string }[] = await this.tenantContext.manager.query(
        `SELECT count(*) AS n FROM events
          WHERE tenant_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
        [tenantId, range.from.toISOString(), range.to.toISOString()],
      );
      return Number(rows[0].n);
    });
  }

  async *pages(
    tenantId: string,
    range: EventTimeRange,
    pageSize: number,
  ): AsyncIterable<EventPage> {
    let after: { ts: string; id: string } | null = null;
    for (;;) {
      const cursor = after;
      const rows = await this.tenantContext.runInTenant(tenantId, (): Promise<EventChunkRow[]> =>
        this.tenantContext.manager.query(
          `WITH page AS (
             SELECT "timestamp", event_id,
                    json_build_object('event_id', event_id, 'timestamp', ${iso('"timestamp"')},
                                      'event_type', event_type, 'user_id', user_id,
                                      'session_id', session_id, 'properties', properties,
                                      'received_at', ${iso('received_at')})::text AS line,
                    (row_number() OVER (ORDER BY "timestamp", event_id) - 1) / $7 AS chunk
               FROM events
              WHERE tenant_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
                AND ($4::timestamptz IS NULL OR ("timestamp", event_id) > ($4::timestamptz, $5::uuid))
              ORDER BY "timestamp", event_id
              LIMIT $6)
           SELECT count(*)::int AS n,
                  string_agg(line, E'\n' ORDER BY "timestamp", event_id) || E'\n' AS ndjson,
                  (array_agg("timestamp"::text ORDER BY "timestamp" DESC, event_id DESC))[1] AS last_ts,
                  (array_agg(event_id ORDER BY "timestamp" DESC, event_id DESC))[1] AS last_id
             FROM page
            GROUP BY chunk
            ORDER BY chunk`,
          [
            tenantId,
            range.from.toISOString(),
            range.to.toISOString(),
            cursor?.ts ?? null,
            cursor?.id ?? null,
            pageSize,
            CHUNK_LINES,
          ],
        ),
      );
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      const count = rows.reduce((sum, chunk) => sum + chunk.n, 0);
      after = { ts: last.last_ts, id: last.last_id };
      yield { count, chunks: rows.map((chunk) => chunk.ndjson) };
      if (count < pageSize) return;
    }
  }

  async close(): Promise<void> {}
}
