import { TenantContext } from '../../../tenancy/scope/tenant.context';
import type { EventExportSource, EventTimeRange, ExportedEvent } from './event-export-source';

interface EventPageRow {
  event_id: string;
  timestamp: Date;
  /** The timestamp as PostgreSQL prints it: the exact keyset value, microseconds included. */
  ts_key: string;
  event_type: string;
  user_id: string;
  session_id: string;
  properties: Record<string, string | number | boolean>;
  received_at: Date;
}

/**
 * Export reads from the PostgreSQL event store: a keyset loop over (timestamp, event_id), one
 * short transaction per page under the tenant's RLS (no cursor held open for minutes, no
 * connection pinned while the archive is written). Each page uses events_tenant_time_idx.
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
  ): AsyncIterable<ExportedEvent[]> {
    let after: { ts: string; id: string } | null = null;
    for (;;) {
      const cursor = after;
      const rows = await this.tenantContext.runInTenant(tenantId, (): Promise<EventPageRow[]> =>
        this.tenantContext.manager.query(
          `SELECT event_id, "timestamp", "timestamp"::text AS ts_key, event_type, user_id,
                    session_id, properties, received_at
               FROM events
              WHERE tenant_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
                AND ($4::timestamptz IS NULL OR ("timestamp", event_id) > ($4::timestamptz, $5::uuid))
              ORDER BY "timestamp", event_id
              LIMIT $6`,
          [
            tenantId,
            range.from.toISOString(),
            range.to.toISOString(),
            cursor?.ts ?? null,
            cursor?.id ?? null,
            pageSize,
          ],
        ),
      );
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = { ts: last.ts_key, id: last.event_id };
      yield rows.map((row) => ({
        event_id: row.event_id,
        timestamp: row.timestamp.toISOString(),
        event_type: row.event_type,
        user_id: row.user_id,
        session_id: row.session_id,
        properties: row.properties,
        received_at: row.received_at.toISOString(),
      }));
      if (rows.length < pageSize) return;
    }
  }

  async close(): Promise<void> {}
}
