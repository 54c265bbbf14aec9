import { Injectable } from '@nestjs/common';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { DataExport } from './data-export.entity';

/** The current tenant's exports, in its transaction (RLS). */
@Injectable()
export class DataExportsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get exports() {
    return this.tenantContext.manager.getRepository(DataExport);
  }

  /** Rows an UPDATE … RETURNING changed (TypeORM hands such results back as [rows, count]). */
  private async changed(sql: string, parameters: unknown[]): Promise<number> {
    const [{ n }] = await this.tenantContext.manager.query<{ n: number }[]>(
      `WITH changed AS (${sql}) SELECT count(*)::int AS n FROM changed`,
      parameters,
    );
    return n;
  }

  findById(id: string): Promise<DataExport | null> {
    return this.exports.findOneBy({ id });
  }

  /** The queued or running export, if any (at most one: data_exports_one_active). */
  findActive(): Promise<DataExport | null> {
    return this.exports.createQueryBuilder('e').where("e.status IN ('queued', 'running')").getOne();
  }

  /** Newest first. */
  async page(limit: number, offset: number): Promise<{ data: DataExport[]; total: number }> {
    const [data, total] = await this.exports.findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { data, total };
  }

  /** A new queued export; a second active one fails on data_exports_one_active. */
  async insertQueued(values: {
    requestedByType: string;
    requestedById: string | null;
    rangeFrom: Date;
    rangeTo: Date;
  }): Promise<DataExport> {
    const { tenantId } = this.tenantContext;
    const [row] = await this.tenantContext.manager.query<{ id: string }[]>(
      `INSERT INTO data_exports (tenant_id, requested_by_type, requested_by_id, range_from, range_to)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [tenantId, values.requestedByType, values.requestedById, values.rangeFrom, values.rangeTo],
    );
    return (await this.findById(row.id))!;
  }

  /**
   * An export whose worker stopped reporting (its process died), or that no worker picked up,
   * fails, so it no longer holds the tenant's one export slot. A queued export may wait behind
   * other tenants' runs, so it gets longer. Returns how many were released.
   */
  async failStale(runningSilentSince: Date, queuedSince: Date): Promise<number> {
    return this.changed(
      `UPDATE data_exports
          SET status = 'failed', error = 'interrupted: the export stopped reporting progress',
              completed_at = now()
        WHERE tenant_id = $1
          AND ((status = 'running' AND heartbeat_at < $2) OR (status = 'queued' AND created_at < $3))
       RETURNING id`,
      [this.tenantContext.tenantId, runningSilentSince, queuedSince],
    );
  }

  /** Takes a queued export to running; false if it was not queued (a second delivery). */
  async start(id: string, eventStore: string, eventsTotal: number): Promise<boolean> {
    const changed = await this.changed(
      `UPDATE data_exports
          SET status = 'running', started_at = now(), heartbeat_at = now(), event_store = $2,
              events_total = $3
        WHERE tenant_id = $4 AND id = $1 AND status = 'queued'
       RETURNING id`,
      [id, eventStore, eventsTotal, this.tenantContext.tenantId],
    );
    return changed === 1;
  }

  async progress(id: string, percent: number, rowsWritten: number): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE data_exports SET progress_percent = $2, rows_written = $3, heartbeat_at = now()
        WHERE tenant_id = $4 AND id = $1`,
      [id, percent, rowsWritten, this.tenantContext.tenantId],
    );
  }

  async complete(
    id: string,
    file: { fileName: string; fileBytes: number; fileSha256: string; rowsWritten: number },
    linkHours: number,
  ): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE data_exports
          SET status = 'completed', progress_percent = 100, rows_written = $2, file_name = $3,
              file_bytes = $4, file_sha256 = $5, completed_at = now(), heartbeat_at = now(),
              expires_at = now() + make_interval(hours => $6)
        WHERE tenant_id = $7 AND id = $1`,
      [
        id,
        file.rowsWritten,
        file.fileName,
        file.fileBytes,
        file.fileSha256,
        linkHours,
        this.tenantContext.tenantId,
      ],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.tenantContext.manager.query(
      `UPDATE data_exports SET status = 'failed', error = $2, completed_at = now()
        WHERE tenant_id = $3 AND id = $1 AND status IN ('queued', 'running')`,
      [id, error.slice(0, 500), this.tenantContext.tenantId],
    );
  }
}
