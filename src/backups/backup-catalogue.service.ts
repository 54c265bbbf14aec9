import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../config/environment';
import {
  BACKUP_ID_PATTERN,
  type BackupFailure,
  type BackupRun,
  type BackupVerification,
  parseFailure,
  parseManifest,
  parseVerification,
} from './backup-manifest';

/** Run folders read per look, newest first by name (ids sort by time): the work stays bounded. */
export const MAX_RUNS_READ = 200;
/** A manifest lists every ClickHouse part; far past this it is not one the script wrote. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MAX_SMALL_DOCUMENT_BYTES = 64 * 1024;
const MAX_WARNED = 1_000;

export interface CataloguedRun extends BackupRun {
  verified: BackupVerification | null;
}

export type BackupCatalogue =
  | { configured: false }
  | {
      configured: true;
      dir: string;
      /** Complete runs (a manifest.json of format 1), newest first, at most MAX_RUNS_READ. */
      runs: CataloguedRun[];
      lastFailure: BackupFailure | null;
    };

type Document =
  | { found: false }
  | { found: true; key: string; value: unknown; problem?: string; unchanged?: boolean };

/**
 * What BACKUP_DIR holds, read from the folder scripts/backup.sh writes: a run exists once its
 * manifest.json does (the script renames it into place last), so folders without one are runs
 * in progress or abandoned. A manifest is written once, so each is parsed once (cached by its
 * mtime and size); verified.json and last-failure.json are read afresh every time. A folder or
 * file that cannot be read is logged (once each) and left out, never an error to the caller.
 */
@Injectable()
export class BackupCatalogueService {
  private readonly logger = new Logger(BackupCatalogueService.name);
  private readonly dir?: string;
  private readonly manifests = new Map<string, { key: string; run: BackupRun | null }>();
  private readonly warned = new Set<string>();

  constructor(config: ConfigService<Environment, true>) {
    this.dir = config.get('BACKUP_DIR', { infer: true });
  }

  /** BACKUP_DIR, or undefined when backups are not configured. */
  get directory(): string | undefined {
    return this.dir;
  }

  async read(): Promise<BackupCatalogue> {
    if (!this.dir) return { configured: false };
    const ids = await this.runFolders(this.dir);
    const runs = (
      await Promise.all(ids.map((id) => this.run(join(this.dir as string, 'backups', id), id)))
    ).filter((run): run is CataloguedRun => run !== null);
    return { configured: true, dir: this.dir, runs, lastFailure: await this.lastFailure(this.dir) };
  }

  /** The newest MAX_RUNS_READ run folder names; none while backups/ does not exist yet. */
  private async runFolders(dir: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(join(dir, 'backups'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.warnOnce(`dir:${(error as Error).message}`, {
          msg: 'backup folder not readable',
          backup_dir: dir,
          error: (error as Error).message,
        });
      }
      return [];
    }
    const ids = entries.filter((name) => BACKUP_ID_PATTERN.test(name)).sort();
    const newest = ids.slice(-MAX_RUNS_READ).reverse();
    for (const id of this.manifests.keys()) if (!newest.includes(id)) this.manifests.delete(id);
    return newest;
  }

  private async run(folder: string, id: string): Promise<CataloguedRun | null> {
    const previous = this.manifests.get(id);
    const manifest = await this.readJson(
      join(folder, 'manifest.json'),
      MAX_MANIFEST_BYTES,
      previous?.key,
    );
    if (!manifest.found) return null;
    let cached = previous;
    if (!manifest.unchanged || !cached) {
      const parsed = manifest.problem ?? parseManifest(manifest.value, id);
      if (typeof parsed === 'string') {
        this.warnOnce(`manifest:${id}:${manifest.key}`, {
          msg: 'backup run skipped: its manifest.json is malformed',
          backup_id: id,
          problem: parsed,
        });
      }
      cached = { key: manifest.key, run: typeof parsed === 'string' ? null : parsed };
      this.manifests.set(id, cached);
    }
    if (!cached.run) return null;
    const verified = await this.readJson(join(folder, 'verified.json'), MAX_SMALL_DOCUMENT_BYTES);
    const verification =
      verified.found && !verified.problem ? parseVerification(verified.value) : null;
    if (verified.found && !verification) {
      this.warnOnce(`verified:${id}:${verified.key}`, {
        msg: 'backup verification record malformed; the run counts as not verified',
        backup_id: id,
      });
    }
    return { ...cached.run, verified: verification };
  }

  private async lastFailure(dir: string): Promise<BackupFailure | null> {
    const document = await this.readJson(join(dir, 'last-failure.json'), MAX_SMALL_DOCUMENT_BYTES);
    if (!document.found) return null;
    const failure = document.problem ? null : parseFailure(document.value);
    if (!failure) {
      this.warnOnce(`failure:${document.key}`, {
        msg: 'last-failure.json malformed; ignored',
        backup_dir: dir,
      });
    }
    return failure;
  }

  /**
   * A JSON file, bounded in size; absent (or gone while read) is `found: false`. With the key
   * (mtime and size) of the copy parsed before, an unchanged file is not read again.
   */
  private async readJson(path: string, maxBytes: number, knownKey?: string): Promise<Document> {
    try {
      const info = await stat(path);
      const key = `${info.mtimeMs}:${info.size}`;
      if (key === knownKey) return { found: true, key, value: null, unchanged: true };
      if (!info.isFile()) return { found: true, key, value: null, problem: 'not a file' };
      if (info.size > maxBytes) {
        return { found: true, key, value: null, problem: `larger than ${maxBytes} bytes` };
      }
      const text = await readFile(path, 'utf8');
      try {
        return { found: true, key, value: JSON.parse(text) as unknown };
      } catch {
        return { found: true, key, value: null, problem: 'not JSON' };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
      return { found: true, key: 'unreadable', value: null, problem: (error as Error).message };
    }
  }

  private warnOnce(key: string, entry: Record<string, unknown>): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(key);
    this.logger.warn(entry);
  }
}
