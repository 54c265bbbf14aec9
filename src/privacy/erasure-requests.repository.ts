import { Injectable } from '@nestjs/common';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { ErasureRequest } from './erasure-request';

interface Row {
  tenant_id: string;
  id: string;
  user_id: string | null;
  subject_digest: string;
  status: ErasureRequest['status'];
  requested_by_type: string;
  requested_by: string | null;
  cutoff: Date;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  recheck_after: Date | null;
  rechecked_at: Date | null;
  removed: ErasureRequest['removed'];
  error: string | null;
}

const toRequest = (row: Row): ErasureRequest => ({
  tenantId: row.tenant_id,
  id: row.id,
  userId: row.user_id,
  subjectDigest: row.subject_digest,
  status: row.status,
  requestedByType: row.requested_by_type,
  requestedBy: row.requested_by,
  cutoff: row.cutoff,
  createdAt: row.created_at,
  startedAt: row.started_at,
  completedAt: row.completed_at,
  recheckAfter: row.recheck_after,
  recheckedAt: row.rechecked_at,
  removed: row.removed,
  error: row.error,
});

/** The erasure_requests table, always in the tenant transaction: RLS sees the current tenant. */
@Injectable()
export class ErasureRequestsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private query<T>(text: string, parameters: unknown[]): Promise<T> {
    return this.tenantContext.manager.query<T>(text, parameters);
  }

  async insert(values: {
    userId: string;
    subjectDigest: string;
    requestedByType: string;
    requestedBy: string | null;
  }): Promise<ErasureRequest> {
    const [row] = await this.query<Row[]>(
      `INSERT INTO erasure_requests (tenant_id, user_id, subject_digest, requested_by_type,
                                     requested_by, cutoff)
       VALUES ($1, $2, $3, $4, $5, now())
       RETURNING *`,
      [
        this.tenantContext.tenantId,
        values.userId,
        values.subjectDigest,
        values.requestedByType,
        values.requestedBy,
      ],
    );
    return toRequest(row);
  }

  /**
   * Requests with work left (pending or running), counted under a transaction lock of that
   * count, so two requests at once cannot both see room for one more.
   */
  async countUnfinishedLocked(): Promise<number> {
    await this.query(
      "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.erasures:' || $1, 0))",
      [this.tenantContext.tenantId],
    );
    const [row] = await this.query<{ n: number }[]>(
      "SELECT count(*)::int AS n FROM erasure_requests WHERE status IN ('pending', 'running')",
      [],
    );
    return row.n;
  }

  async findById(id: string): Promise<ErasureRequest | null> {
    const [row] = await this.query<Row[]>('SELECT * FROM erasure_requests WHERE id = $1', [id]);
    return row ? toRequest(row) : null;
  }

  /** The row locked to the end of the transaction: one pass of one request at a time. */
  async findByIdForUpdate(id: string): Promise<ErasureRequest | null> {
    const [row] = await this.query<Row[]>(
      'SELECT * FROM erasure_requests WHERE id = $1 FOR UPDATE',
      [id],
    );
    return row ? toRequest(row) : null;
  }

  async listPage(page: number, limit: number): Promise<{ data: ErasureRequest[]; total: number }> {
    const rows = await this.query<(Row & { total: string })[]>(
      `SELECT *, count(*) OVER () AS total FROM erasure_requests
        ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
      [limit, (page - 1) * limit],
    );
    const total =
      rows.length > 0
        ? Number(rows[0].total)
        : (
            await this.query<{ n: number }[]>('SELECT count(*)::int AS n FROM erasure_requests', [])
          )[0].n;
    return { data: rows.map(toRequest), total };
  }

  async markRunning(id: string): Promise<void> {
    await this.query(
      `UPDATE erasure_requests SET status = 'running', started_at = coalesce(started_at, now()),
              error = NULL
        WHERE id = $1`,
      [id],
    );
  }

  /**
   * Records a pass: `removed` is the running total per store. After the first pass the request
   * is completed and waits for its recheck; after the recheck nothing is left to do, and the
   * end user's id is forgotten.
   */
  async recordPass(
    id: string,
    removed: ErasureRequest['removed'],
    next: { recheckAfter: Date } | 'done',
  ): Promise<void> {
    await this.query(
      `UPDATE erasure_requests
          SET status = 'completed',
              completed_at = coalesce(completed_at, now()),
              removed = $2::jsonb,
              recheck_after = coalesce($3::timestamptz, recheck_after),
              rechecked_at = CASE WHEN $3::timestamptz IS NULL THEN now() END,
              user_id = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE user_id END,
              error = NULL
        WHERE id = $1`,
      [id, JSON.stringify(removed), next === 'done' ? null : next.recheckAfter.toISOString()],
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.query("UPDATE erasure_requests SET status = 'failed', error = $2 WHERE id = $1", [
      id,
      error.slice(0, 1000),
    ]);
  }
}
