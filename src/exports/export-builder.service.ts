import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { TenantContext } from '../tenancy/scope/tenant.context';
import { TenantsService } from '../tenancy/tenants.service';
import { AuditService } from '../audit/audit.service';
import {
  EVENT_EXPORT_SOURCE,
  type EventExportSource,
} from '../ingestion/store/export/event-export-source';
import {
  ARCHIVE_FILES,
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  type ArchiveFileName,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFile,
  schemaVersion,
} from './archive-format';
import { DataExportsRepository } from './data-exports.repository';
import type { DataExport } from './data-export.entity';
import { ExportFilesService } from './export-files.service';
import { type ExportRow, ExportTablesRepository } from './export-tables.repository';
import { writeHashedFile } from './hashing-file';

export const DATA_EXPORTS_FINISHED = 'tenantry_data_exports_total';
export const DATA_EXPORT_ROWS = 'tenantry_data_export_rows_total';

/** The download link works this long after the export completes. */
export const EXPORT_LINK_HOURS = 24;
/** Events per page read from the store (and per progress step). */
export const EVENT_PAGE_SIZE = 5000;
const AUDIT_PAGE_SIZE = 2000;
/** Progress is written at most this often (each write is a short transaction). */
const PROGRESS_EVERY_MS = 1000;
/**
 * Readable.from reads 16 items ahead by default: 16 pages of events, tens of megabytes. One page
 * ahead keeps the disk busy while the next is read, and memory at about one page.
 */
const ONE_PAGE_AHEAD = { highWaterMark: 1 };

function ndjson(rows: readonly ExportRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/**
 * Builds one export archive: each table to its own file in a staging folder (hashed as
 * written), the events as gzip NDJSON streamed page by page from the active event store, then
 * manifest.json and the files packed into `<export id>.tar.gz`. Memory holds one page of events
 * at a time, whatever the tenant's size. Runs in a BullMQ worker or in-process; a second
 * delivery of the same export does nothing.
 */
@Injectable()
export class ExportBuilderService {
  private readonly logger = new Logger(ExportBuilderService.name);

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly exports: DataExportsRepository,
    private readonly tables: ExportTablesRepository,
    private readonly files: ExportFilesService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    @Inject(EVENT_EXPORT_SOURCE) private readonly events: EventExportSource,
    @InjectMetric(DATA_EXPORTS_FINISHED) private readonly finished: Counter<string>,
    @InjectMetric(DATA_EXPORT_ROWS) private readonly rowsCounter: Counter<string>,
  ) {}

  private inTenant<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.tenantContext.runInTenant(tenantId, work);
  }

  async run(tenantId: string, exportId: string): Promise<{ status: string; rows?: number }> {
    const row = await this.inTenant(tenantId, () => this.exports.findById(exportId));
    if (!row || row.status !== 'queued') return { status: row?.status ?? 'missing' };
    const range = { from: row.rangeFrom, to: row.rangeTo };
    const log = { tenant_id: tenantId, export_id: exportId };
    let eventsTotal: number;
    try {
      eventsTotal = await this.events.count(tenantId, range);
    } catch (error) {
      // The store is down: say so now rather than leave the export queued.
      await this.recordFailure(tenantId, exportId, error);
      throw error;
    }
    const started = await this.inTenant(tenantId, () =>
      this.exports.start(exportId, this.events.kind, eventsTotal),
    );
    if (!started) return { status: 'not_queued' };
    this.logger.log({
      ...log,
      events_total: eventsTotal,
      store: this.events.kind,
      msg: 'export started',
    });
    const begun = Date.now();
    await this.files.prepareTenantDirectory(tenantId);
    const staging = this.files.stagingDirectory(tenantId, exportId);
    const archiveName = this.files.archiveName(tenantId, exportId);
    const archivePath = this.files.pathOf(archiveName);
    const partPath = `${archivePath}.part`;
    try {
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true, mode: 0o700 });
      const written = await this.writeTables(tenantId, staging);
      const events = await this.writeEvents(row, eventsTotal, staging);
      written.push(events);
      const manifest = await this.manifestOf(row, written);
      const archive = await this.pack(manifest, staging, partPath);
      await rename(partPath, archivePath);
      const rowsWritten = written.reduce((sum, file) => sum + file.rows, 0);
      await this.inTenant(tenantId, async () => {
        await this.exports.complete(
          exportId,
          {
            fileName: archiveName,
            fileBytes: archive.bytes,
            fileSha256: archive.sha256,
            rowsWritten,
          },
          EXPORT_LINK_HOURS,
        );
        await this.audit.record({
          action: 'export.completed',
          resourceType: 'data_export',
          resourceId: exportId,
          details: { rows: rowsWritten, events: events.rows, bytes: archive.bytes },
        });
      });
      this.finished.inc({ outcome: 'completed', store: this.events.kind });
      this.rowsCounter.inc({ store: this.events.kind }, rowsWritten);
      const seconds = (Date.now() - begun) / 1000;
      this.logger.log({
        ...log,
        rows: rowsWritten,
        events: events.rows,
        bytes: archive.bytes,
        seconds,
        msg: 'export completed',
      });
      return { status: 'completed', rows: rowsWritten };
    } catch (error) {
      await rm(partPath, { force: true }).catch(() => undefined);
      await this.recordFailure(tenantId, exportId, error);
      throw error;
    } finally {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Counted, logged, and the row failed with a message for the tenant (never the cause's text). */
  private async recordFailure(tenantId: string, exportId: string, error: unknown): Promise<void> {
    const log = { tenant_id: tenantId, export_id: exportId };
    this.finished.inc({ outcome: 'failed', store: this.events.kind });
    this.logger.error({ ...log, err: error, msg: 'export failed' });
    await this.inTenant(tenantId, async () => {
      await this.exports.fail(exportId, 'the export could not be completed; request a new one');
      await this.audit.record({
        action: 'export.failed',
        resourceType: 'data_export',
        resourceId: exportId,
      });
    }).catch((failure: unknown) =>
      this.logger.error({ ...log, err: failure, msg: 'could not record the failed export' }),
    );
  }

  /** Every table but the events, each to its file. */
  private async writeTables(tenantId: string, staging: string): Promise<ManifestFile[]> {
    const small = await this.inTenant(tenantId, async () => ({
      settings: await this.tables.settings(),
      branding: await this.tables.branding(),
      users: await this.tables.users(),
      apiKeys: await this.tables.apiKeys(),
      dashboards: await this.tables.dashboards(),
      usage: await this.tables.usageDaily(),
      invoices: await this.tables.invoices(),
    }));
    const files: ManifestFile[] = [];
    const write = async (name: ArchiveFileName, text: string, rows: number) => {
      const file = await writeHashedFile(Readable.from([text]), join(staging, name));
      files.push({ name, table: ARCHIVE_FILES[name], rows, ...file });
    };
    await write('settings.json', JSON.stringify(small.settings), small.settings ? 1 : 0);
    await write('branding.json', JSON.stringify(small.branding), small.branding ? 1 : 0);
    await write('users.ndjson', ndjson(small.users), small.users.length);
    await write('api_keys.ndjson', ndjson(small.apiKeys), small.apiKeys.length);
    await write('dashboards.ndjson', ndjson(small.dashboards), small.dashboards.length);
    files.push(await this.writeAuditLog(tenantId, staging));
    await write('usage_daily.ndjson', ndjson(small.usage), small.usage.length);
    await write('invoices.ndjson', ndjson(small.invoices), small.invoices.length);
    return files;
  }

  private async writeAuditLog(tenantId: string, staging: string): Promise<ManifestFile> {
    let rows = 0;
    const tables = this.tables;
    const inTenant = this.inTenant.bind(this);
    async function* pages(): AsyncGenerator<string> {
      let after: { at: string; id: string } | null = null;
      for (;;) {
        const cursor: { at: string; id: string } | null = after;
        const page: ExportRow[] = await inTenant(tenantId, () =>
          tables.auditLogPage(cursor, AUDIT_PAGE_SIZE),
        );
        if (page.length === 0) return;
        const last: ExportRow = page[page.length - 1];
        after = { at: String(last.at_key), id: String(last.id) };
        rows += page.length;
        yield ndjson(page.map(({ at_key: _key, ...entry }: ExportRow) => entry));
        if (page.length < AUDIT_PAGE_SIZE) return;
      }
    }
    const file = await writeHashedFile(
      Readable.from(pages(), ONE_PAGE_AHEAD),
      join(staging, 'audit_log.ndjson'),
    );
    return { name: 'audit_log.ndjson', table: 'audit_log', rows, ...file };
  }

  private async writeEvents(
    row: DataExport,
    eventsTotal: number,
    staging: string,
  ): Promise<ManifestFile> {
    const { tenantId, id } = row;
    let written = 0;
    let reportedAt = Date.now();
    const report = async (final: boolean) => {
      if (!final && Date.now() - reportedAt < PROGRESS_EVERY_MS) return;
      reportedAt = Date.now();
      const percent =
        eventsTotal === 0 ? 99 : Math.min(99, Math.floor((written * 100) / eventsTotal));
      await this.inTenant(tenantId, () => this.exports.progress(id, percent, written));
    };
    const source = this.events;
    async function* lines(): AsyncGenerator<string> {
      for await (const page of source.pages(
        tenantId,
        { from: row.rangeFrom, to: row.rangeTo },
        EVENT_PAGE_SIZE,
      )) {
        written += page.count;
        yield* page.chunks;
        await report(false);
      }
      await report(true);
    }
    // Level 6 (zlib's default): the size/speed balance; deterministic for identical input.
    const file = await writeHashedFile(
      Readable.from(lines(), ONE_PAGE_AHEAD),
      join(staging, 'events.ndjson.gz'),
      createGzip({ level: 6 }),
    );
    return { name: 'events.ndjson.gz', table: 'events', rows: written, ...file };
  }

  private async manifestOf(row: DataExport, files: ManifestFile[]): Promise<Manifest> {
    const tenant = await this.tenants.findById(row.tenantId);
    return {
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      schema_version: schemaVersion(),
      export_id: row.id,
      tenant: { id: row.tenantId, slug: tenant?.slug ?? '', name: tenant?.name ?? '' },
      created_at: new Date().toISOString(),
      time_range: { from: row.rangeFrom.toISOString(), to: row.rangeTo.toISOString() },
      event_store: this.events.kind,
      files,
    };
  }

  /** manifest.json, then every file, into one gzip'd tar; hashed as it is written. */
  private async pack(manifest: Manifest, staging: string, path: string) {
    const pack = tar.pack();
    const mtime = new Date(manifest.created_at);
    // The events file is gzip already: the outer gzip only needs to be quick.
    const done = writeHashedFile(pack as unknown as Readable, path, createGzip({ level: 1 }));
    // Awaited below; until then a failure must not count as an unhandled rejection.
    done.catch(() => undefined);
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    pack.entry(
      { name: MANIFEST_FILE, size: manifestBytes.length, mtime, mode: 0o644 },
      manifestBytes,
    );
    for (const file of manifest.files) {
      const source = join(staging, file.name);
      const { size } = await stat(source);
      const entry = pack.entry({ name: file.name, size, mtime, mode: 0o644 });
      await pipeline(createReadStream(source), entry);
    }
    pack.finalize();
    return done;
  }
}
