import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Request } from 'express';
import type { Counter } from 'prom-client';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AuditService } from '../../audit/audit.service';
import { PlatformAuditService } from '../../audit/platform/platform-audit.service';
import { PasswordSetupService } from '../../auth/users/password-setup.service';
import type { Environment } from '../../config/environment';
import { EVENT_STORE, type EventStore } from '../../ingestion/store/event-store';
import type { Actor } from '../../tenancy/scope/actor';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantsService } from '../../tenancy/tenants.service';
import type { Manifest } from '../archive-format';
import { ArchiveRejectedException } from './archive-rejected.exception';
import { extractVerifiedArchive } from './archive-reader';
import { forEachEventBatch, type ImportContent, readImportContent } from './import-content';
import { TenantImportRepository } from './tenant-import.repository';

export const TENANTS_IMPORTED = 'tenantry_tenant_imports_total';

/** Content types an archive may be sent with. */
export const ARCHIVE_CONTENT_TYPES = [
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];
const EVENT_BATCH = 5000;
/** An archive holding more events than this is refused before any is read. */
export const MAX_IMPORT_EVENTS = 200_000_000;

export interface InvitedUser {
  email: string;
  role: string;
  status: string;
  password_set_token: string | null;
  password_set_expires_at: string | null;
}

export interface ImportResult {
  tenant_id: string;
  source: { tenant_id: string; slug: string; export_id: string; schema_version: string };
  imported: {
    settings: boolean;
    branding: boolean;
    dashboards: number;
    users: number;
    events: number;
  };
  not_imported: { api_keys: number; audit_log: number; usage_daily: number; invoices: number };
  invited_users: InvitedUser[];
  existing_users_kept: string[];
}

/**
 * Imports an export archive into a new, empty tenant (platform admin). Everything is checked
 * before anything is written: the upload's size, every archive entry against the manifest
 * (names, sizes, SHA-256), every row of every file imported (events included, in a first pass
 * over the file). Then settings, branding, dashboards and users go in one transaction, and the
 * events, ids kept, through the active event store. Users are invited anew (password-set
 * tokens in the answer); API keys, audit log, usage and invoices stay the source tenant's
 * history (counted in not_imported).
 */
@Injectable()
export class TenantImportService {
  private readonly logger = new Logger(TenantImportService.name);
  private readonly maxBytes: number;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly tenants: TenantsService,
    private readonly imports: TenantImportRepository,
    private readonly passwordSetup: PasswordSetupService,
    private readonly audit: AuditService,
    private readonly platformAudit: PlatformAuditService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectMetric(TENANTS_IMPORTED) private readonly imported: Counter<string>,
    config: ConfigService<Environment, true>,
  ) {
    this.maxBytes = config.get('IMPORT_MAX_MEGABYTES', { infer: true }) * 1024 * 1024;
  }

  async import(tenantId: string, request: Request, actor: Actor): Promise<ImportResult> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new NotFoundException(`Tenant ${tenantId} not found`);
    if (tenant.status !== 'active') {
      throw new ConflictException(
        `Tenant ${tenantId} is ${tenant.status}: import into an active tenant`,
      );
    }
    if (!request.is(ARCHIVE_CONTENT_TYPES)) {
      throw new UnsupportedMediaTypeException(
        `Send the archive as the body with Content-Type ${ARCHIVE_CONTENT_TYPES.join(', ')}`,
      );
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.maxBytes) throw this.tooLarge();
    const work = await mkdtemp(join(tmpdir(), 'tenantry-import-'));
    try {
      const archive = join(work, 'archive.tar.gz');
      await this.receive(request, archive);
      const files = join(work, 'files');
      await mkdir(files, { mode: 0o700 });
      const manifest = await extractVerifiedArchive(archive, files, {
        // The events file is gzip inside the tar: the tar itself barely expands.
        maxExpandedBytes: 2 * this.maxBytes + 16 * 1024 * 1024,
      });
      const eventsListed = manifest.files.find((file) => file.name === 'events.ndjson.gz')!.rows;
      if (eventsListed > MAX_IMPORT_EVENTS) {
        throw new ArchiveRejectedException(
          'events.ndjson.gz',
          `more than ${MAX_IMPORT_EVENTS} events`,
        );
      }
      const content = await readImportContent(files, manifest);
      // First pass: every event line checked; nothing is written yet.
      await forEachEventBatch(files, manifest, tenantId, EVENT_BATCH);
      const result = await this.write(tenantId, manifest, content, files, actor);
      this.imported.inc({ outcome: 'imported' });
      return result;
    } catch (error) {
      this.imported.inc({ outcome: 'refused' });
      throw error;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private tooLarge(): PayloadTooLargeException {
    return new PayloadTooLargeException(
      `The archive is larger than the ${this.maxBytes / 1024 / 1024} MB an import accepts (IMPORT_MAX_MEGABYTES)`,
    );
  }

  /** The body to disk, stopped at the size limit whatever Content-Length said. */
  private async receive(request: Request, path: string): Promise<void> {
    let bytes = 0;
    const limit = this.maxBytes;
    const tooLarge = this.tooLarge();
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(bytes > limit ? tooLarge : null, chunk);
      },
    });
    try {
      await pipeline(request, meter, createWriteStream(path, { mode: 0o600 }));
    } catch (error) {
      if (error === tooLarge) throw tooLarge;
      throw new ArchiveRejectedException(null, 'the upload was cut short');
    }
    if (bytes === 0)
      throw new ArchiveRejectedException(null, 'the body is empty: send the .tar.gz');
  }

  private async write(
    tenantId: string,
    manifest: Manifest,
    content: ImportContent,
    files: string,
    actor: Actor,
  ): Promise<ImportResult> {
    const events = await this.store.countEvents(tenantId);
    if (events > 0) {
      throw new ConflictException(
        `Tenant ${tenantId} already holds ${events} events: import into a new, empty tenant`,
      );
    }
    const rowsOf = (name: string) => manifest.files.find((file) => file.name === name)?.rows ?? 0;
    const notImported = {
      api_keys: rowsOf('api_keys.ndjson'),
      audit_log: rowsOf('audit_log.ndjson'),
      usage_daily: rowsOf('usage_daily.ndjson'),
      invoices: rowsOf('invoices.ndjson'),
    };
    const source = {
      tenant_id: manifest.tenant?.id ?? '',
      slug: manifest.tenant?.slug ?? '',
      export_id: manifest.export_id ?? '',
      schema_version: manifest.schema_version,
    };
    const { invited, kept } = await this.tenantContext.runInTenant(
      tenantId,
      async () => {
        await this.imports.lockForImport();
        const existing = await this.imports.userEmails();
        if (existing.length > 1) {
          throw new ConflictException(
            `Tenant ${tenantId} has ${existing.length} users: import into a new tenant that has only its owner`,
          );
        }
        if (content.settings) await this.imports.replaceSettings(content.settings);
        if (content.branding) await this.imports.replaceBranding(content.branding);
        await this.imports.replaceDashboards(content.dashboards);
        const invitedUsers: InvitedUser[] = [];
        const keptUsers: string[] = [];
        for (const user of content.users) {
          if (existing.includes(user.email.trim().toLowerCase())) {
            keptUsers.push(user.email);
            continue;
          }
          const id = await this.imports.insertInvitedUser(user);
          const token = user.status === 'active' ? await this.passwordSetup.issue(id) : null;
          invitedUsers.push({
            email: user.email,
            role: user.role,
            status: user.status,
            password_set_token: token?.token ?? null,
            password_set_expires_at: token?.expiresAt.toISOString() ?? null,
          });
        }
        await this.audit.record({
          action: 'tenant.imported',
          resourceType: 'tenant',
          resourceId: tenantId,
          details: { source, users: invitedUsers.length, dashboards: content.dashboards.length },
        });
        return { invited: invitedUsers, kept: keptUsers };
      },
      actor,
    );
    // Second pass: the events, their ids kept, batch by batch into the active store.
    const written = await forEachEventBatch(
      files,
      manifest,
      tenantId,
      EVENT_BATCH,
      async (rows) => {
        await this.store.write(rows);
      },
    );
    const result: ImportResult = {
      tenant_id: tenantId,
      source,
      imported: {
        settings: content.settings !== null,
        branding: content.branding !== null,
        dashboards: content.dashboards.length,
        users: invited.length,
        events: written,
      },
      not_imported: notImported,
      invited_users: invited,
      existing_users_kept: kept,
    };
    if (actor.type === 'platform_admin') {
      await this.platformAudit.record(
        {
          action: 'tenant.imported',
          resourceType: 'tenant',
          resourceId: tenantId,
          details: { source, imported: result.imported, not_imported: notImported },
        },
        { ...actor, type: 'platform_admin' },
      );
    }
    this.logger.log({ tenant_id: tenantId, ...result.imported, msg: 'export archive imported' });
    return result;
  }
}
