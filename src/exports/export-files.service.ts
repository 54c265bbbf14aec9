import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Environment } from '../config/environment';
import { REPO_ROOT } from '../config/stack-env';
import { isUuid } from '../common/uuid';

/** Export files are kept this long after they are written, then removed by the daily job. */
export const EXPORT_FILE_DAYS = 7;

/**
 * Where export archives live on disk: `<EXPORT_DIRECTORY>/<tenant id>/<export id>.tar.gz`, and
 * while one is written, `<export id>.staging/` beside it. Every path is built here from UUIDs
 * checked on the way in, never from a name a client sent.
 */
@Injectable()
export class ExportFilesService {
  private readonly logger = new Logger(ExportFilesService.name);
  readonly root: string;

  constructor(config: ConfigService<Environment, true>) {
    const configured = config.get('EXPORT_DIRECTORY', { infer: true });
    this.root = configured
      ? isAbsolute(configured)
        ? configured
        : resolve(configured)
      : join(REPO_ROOT, 'data', 'exports');
  }

  tenantDirectory(tenantId: string): string {
    if (!isUuid(tenantId)) throw new Error('export files are kept per tenant UUID');
    return join(this.root, tenantId.toLowerCase());
  }

  /** The archive's name relative to the root, as data_exports.file_name records it. */
  archiveName(tenantId: string, exportId: string): string {
    if (!isUuid(exportId)) throw new Error('export files are named by export UUID');
    return `${tenantId.toLowerCase()}/${exportId.toLowerCase()}.tar.gz`;
  }

  /** The absolute path of a recorded file name, refused unless it stays under the root. */
  pathOf(fileName: string): string {
    const path = resolve(this.root, fileName);
    if (!path.startsWith(this.root + sep))
      throw new Error('export file outside the export directory');
    return path;
  }

  stagingDirectory(tenantId: string, exportId: string): string {
    if (!isUuid(exportId)) throw new Error('export files are named by export UUID');
    return join(this.tenantDirectory(tenantId), `${exportId.toLowerCase()}.staging`);
  }

  async prepareTenantDirectory(tenantId: string): Promise<string> {
    const directory = this.tenantDirectory(tenantId);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    return directory;
  }

  /**
   * Removes every export file of one tenant (archives, and staging left by a killed run), for a
   * tenant purge. Returns how many entries were removed; a tenant with none returns 0.
   */
  async removeAllForTenant(tenantId: string): Promise<number> {
    const directory = this.tenantDirectory(tenantId);
    const entries = await readdir(directory).catch(() => [] as string[]);
    await rm(directory, { recursive: true, force: true });
    if (entries.length > 0) {
      this.logger.log({
        tenant_id: tenantId,
        removed: entries.length,
        msg: 'export files removed',
      });
    }
    return entries.length;
  }

  /**
   * Removes archives (and abandoned staging) last written before `cutoff`, across tenants: the
   * daily clean-up. Only names this service creates are touched.
   */
  async removeOlderThan(cutoff: Date): Promise<number> {
    let removed = 0;
    const tenants = await readdir(this.root).catch(() => [] as string[]);
    for (const tenantId of tenants.filter(isUuid)) {
      const directory = join(this.root, tenantId);
      const entries = await readdir(directory).catch(() => [] as string[]);
      for (const entry of entries) {
        if (!/^[0-9a-f-]{36}\.(tar\.gz|staging|tar\.gz\.part)$/.test(entry)) continue;
        const path = join(directory, entry);
        const info = await stat(path).catch(() => null);
        if (!info || info.mtime >= cutoff) continue;
        await rm(path, { recursive: true, force: true });
        removed += 1;
        this.logger.log({ tenant_id: tenantId, file: entry, msg: 'expired export file removed' });
      }
    }
    return removed;
  }
}
