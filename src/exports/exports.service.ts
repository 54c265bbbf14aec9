import { ConflictException, GoneException, Injectable, StreamableFile } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AuditService } from '../audit/audit.service';
import { InvalidInputException } from '../common/field-error';
import type { Page, PageQuery } from '../common/pagination';
import { isUniqueViolation } from '../common/postgres-errors';
import type { Actor } from '../tenancy/scope/actor';
import { ResourceNotFoundException } from '../tenancy/scope/resource-not-found.exception';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { Tenant } from '../tenancy/tenant.entity';
import type { DataExport } from './data-export.entity';
import { DataExportsRepository } from './data-exports.repository';
import type { CreateExportDto } from './dto/create-export.dto';
import { ExportDispatchService } from './export-dispatch.service';
import { ExportFilesService } from './export-files.service';

/** A running export silent this long (no progress written) is taken for dead. */
export const STALE_EXPORT_MS = 5 * 60_000;
/** A queued export no worker has started in this long is given up. */
export const UNSTARTED_EXPORT_MS = 60 * 60_000;

/** The current tenant's exports: request, follow, download. */
@Injectable()
export class ExportsService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly exports: DataExportsRepository,
    private readonly files: ExportFilesService,
    private readonly dispatcher: ExportDispatchService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Queues an export and starts it once the row is committed (so the worker finds it). One at a
   * time per tenant: 409 naming the export still queued or running.
   */
  async request(input: CreateExportDto, tenant: Tenant, actor: Actor): Promise<DataExport> {
    const from = new Date(input.from);
    const to = input.to ? new Date(input.to) : new Date();
    if (to.getTime() <= from.getTime()) {
      // The pair is what is wrong: name both (the default `to` is now, so `from` alone when absent).
      throw new InvalidInputException(
        input.to
          ? [
              { field: 'from', message: 'from must be before to' },
              { field: 'to', message: 'to must be after from' },
            ]
          : [{ field: 'from', message: 'from must be in the past (to defaults to now)' }],
      );
    }
    let created: DataExport;
    try {
      created = await this.tenantContext.runInTenant(
        tenant.id,
        async () => {
          await this.exports.failStale(
            new Date(Date.now() - STALE_EXPORT_MS),
            new Date(Date.now() - UNSTARTED_EXPORT_MS),
          );
          const active = await this.exports.findActive();
          if (active) throw this.busy(active);
          const row = await this.exports.insertQueued({
            requestedByType: actor.type,
            requestedById: actor.id,
            rangeFrom: from,
            rangeTo: to,
          });
          await this.audit.record({
            action: 'export.requested',
            resourceType: 'data_export',
            resourceId: row.id,
            details: { from: from.toISOString(), to: to.toISOString() },
          });
          return row;
        },
        actor,
      );
    } catch (error) {
      // Two requests raced past the check: the partial unique index let one through.
      if (!isUniqueViolation(error)) throw error;
      const active = await this.tenantContext.runInTenant(tenant.id, () =>
        this.exports.findActive(),
      );
      throw this.busy(active);
    }
    await this.dispatcher.dispatch(tenant.id, created.id);
    return created;
  }

  private busy(active: DataExport | null): ConflictException {
    return new ConflictException({
      message: active
        ? `Export ${active.id} is still ${active.status}: one export at a time per tenant`
        : 'Another export is still running: one export at a time per tenant',
      running_export_id: active?.id ?? null,
    });
  }

  async list(query: PageQuery): Promise<Page<DataExport>> {
    const { data, total } = await this.exports.page(query.limit, (query.page - 1) * query.limit);
    return { data, total, page: query.page, limit: query.limit };
  }

  async get(id: string): Promise<DataExport> {
    const row = await this.exports.findById(id);
    if (!row) throw new ResourceNotFoundException('data_export', id);
    return row;
  }

  /**
   * The archive as a stream, with its size and hash; 409 until complete, 410 once the 24-hour
   * link has expired or the file was removed (7 days, or a purge).
   */
  async download(id: string): Promise<{ row: DataExport; file: StreamableFile }> {
    const row = await this.get(id);
    if (row.status !== 'completed' || !row.fileName || !row.expiresAt) {
      throw new ConflictException({
        message: `Export ${id} is ${row.status}: it can be downloaded once completed`,
        status: row.status,
      });
    }
    if (row.expiresAt.getTime() <= Date.now()) {
      throw new GoneException({
        message: `The download link of export ${id} expired at ${row.expiresAt.toISOString()} (links work for 24 hours): request a new export`,
        expired_at: row.expiresAt.toISOString(),
      });
    }
    const path = this.files.pathOf(row.fileName);
    const present = await stat(path).catch(() => null);
    if (!present) {
      throw new GoneException({
        message: `The archive of export ${id} has been removed: request a new export`,
      });
    }
    await this.audit.record({
      action: 'export.downloaded',
      resourceType: 'data_export',
      resourceId: id,
      details: { bytes: row.fileBytes },
    });
    const file = new StreamableFile(createReadStream(path), {
      type: 'application/gzip',
      length: present.size,
      disposition: `attachment; filename="tenantry-export-${id}.tar.gz"`,
    });
    return { row, file };
  }
}
