import type { TenantContext } from '../tenancy/scope/tenant.context';
import type { CompletedErasure } from './restore-records.repository';

/**
 * The PostgreSQL event store's side of usersOfErasure (clickhouse-erasure-subjects.ts): the user
 * ids of a tenant's events, sent at or before the erasure's cut-off, whose digest is the
 * erasure's. Under the tenant's RLS, like the erasure itself. A Kafka replay after a restore
 * stores again what an erasure completed since the snapshot's offsets had removed.
 */
export class ErasedSubjectsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  async usersOf(erasure: Pick<CompletedErasure, 'tenantId' | 'subjectDigest' | 'cutoff'>) {
    const rows = await this.tenantContext.runInTenant(erasure.tenantId, () =>
      this.tenantContext.manager.query<{ user_id: string }[]>(
        // Each distinct user id hashed once, not each event.
        `SELECT user_id FROM (
           SELECT DISTINCT user_id FROM events
            WHERE tenant_id = $1 AND (received_at <= $2 OR "timestamp" <= $2)) AS users
          WHERE encode(sha256(convert_to($1::text || ':' || user_id, 'UTF8')), 'hex') = $3
          LIMIT 2`,
        [erasure.tenantId, erasure.cutoff.toISOString(), erasure.subjectDigest],
      ),
    );
    return rows.map((row) => row.user_id);
  }
}
