import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { MAX_RETENTION_DAYS } from '../../tenancy/plans';
import type { EventRow } from '../events/event-contract';
import { type EventStore, groupByTenant, type WriteResult } from './event-store';

/**
 * The embedded event store: PostgreSQL `events`, partitioned by month, RLS forced. A batch is one
 * transaction; each tenant's rows go in one INSERT … SELECT FROM unnest(...) ON CONFLICT DO
 * NOTHING under that tenant's app.tenant_id, so RLS checks every row.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly logger = new Logger(PostgresEventStore.name);
  private partitionsReadyUntil = 0;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly dataSource: DataSource,
  ) {}

  async prepare(): Promise<void> {
    await this.ensurePartitions();
  }

  /** A batch is shared machinery: it runs outside the scope of whichever caller started it. */
  write(rows: EventRow[]): Promise<WriteResult> {
    return this.tenantContext.detached(() => this.writeBatch(rows));
  }

  private async writeBatch(rows: EventRow[]): Promise<WriteResult> {
    if (rows.length === 0) return { written: 0, perTenant: new Map() };
    if (Date.now() > this.partitionsReadyUntil) await this.ensurePartitions();
    const groups = groupByTenant(rows);
    const perTenant = new Map<string, number>();
    await this.tenantContext.runForEachTenant(groups.keys(), async (tenantId) => {
      const group = groups.get(tenantId)!;
      const inserted: { n: string }[] = await this.tenantContext.manager.query(
        `WITH inserted AS (
         INSERT INTO events (tenant_id, event_id, "timestamp", event_type, user_id, session_id,
                             properties, received_at)
         SELECT $1::uuid, e.event_id, e.ts, e.event_type, e.user_id, e.session_id, e.properties,
                e.received_at
           FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                       $7::jsonb[], $8::timestamptz[])
                AS e(event_id, ts, event_type, user_id, session_id, properties, received_at)
         ON CONFLICT DO NOTHING
         RETURNING 1)
         SELECT count(*) AS n FROM inserted`,
        [
          tenantId,
          group.map((r) => r.eventId),
          group.map((r) => r.timestamp.toISOString()),
          group.map((r) => r.eventType),
          group.map((r) => r.userId),
          group.map((r) => r.sessionId),
          group.map((r) => JSON.stringify(r.properties)),
          group.map((r) => r.receivedAt.toISOString()),
        ],
      );
      perTenant.set(tenantId, Number(inserted[0].n));
    });
    return { written: rows.length, perTenant };
  }

  async countEvents(tenantId: string, eventType?: string): Promise<number> {
    return this.tenantContext.runInTenant(tenantId, async () => {
      const rows: { n: string }[] = await this.tenantContext.manager.query(
        eventType
          ? 'SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND event_type = $2'
          : 'SELECT count(*) AS n FROM events WHERE tenant_id = $1',
        eventType ? [tenantId, eventType] : [tenantId],
      );
      return Number(rows[0].n);
    });
  }

  async close(): Promise<void> {}

  /** Monthly partitions from the longest retention back to two months ahead. */
  private async ensurePartitions(): Promise<void> {
    const now = new Date();
    const from = new Date(now.getTime() - (MAX_RETENTION_DAYS + 31) * 86_400_000);
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    const range = [from.toISOString().slice(0, 10), to.toISOString().slice(0, 10)];
    const ensure = async (connection: DataSource, where: string) => {
      const rows: { created: number }[] = await connection.query(
        'SELECT public.ensure_event_partitions($1::date, $2::date) AS created',
        range,
      );
      if (rows[0]?.created) {
        this.logger.log(`created ${rows[0].created} monthly event partitions in ${where}`);
      }
    };
    await ensure(this.dataSource, 'the control database');
    // Every placement database holds its siloed tenants' events (issue 18).
    const failed = await this.tenantContext.onOtherPlacements('app', (connection, placement) =>
      ensure(connection, `placement ${placement.name}`),
    );
    for (const { placement, error } of failed) {
      this.logger.warn({ placement, err: error }, 'could not make event partitions in a placement');
    }
    // Check again within a day, so the months ahead always exist before events arrive for them.
    this.partitionsReadyUntil = Date.now() + 86_400_000;
  }
}
