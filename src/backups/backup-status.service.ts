import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { type BackupCatalogue, BackupCatalogueService } from './backup-catalogue.service';
import type { BackupStatusResponse } from './dto/backup-status.response';
import { type WalArchiveStatus, WalArchiveRepository } from './wal-archive.repository';

/**
 * The operator's view of backups (GET /admin/backups): the catalogue of BACKUP_DIR judged
 * against BACKUP_MAX_AGE_SECONDS, and PostgreSQL's WAL archiver, which point-in-time recovery
 * between two backups depends on.
 */
@Injectable()
export class BackupStatusService {
  private readonly logger = new Logger(BackupStatusService.name);
  private readonly maxAgeSeconds: number;
  private readonly retentionDays: number;

  constructor(
    private readonly catalogue: BackupCatalogueService,
    private readonly walArchive: WalArchiveRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.maxAgeSeconds = config.get('BACKUP_MAX_AGE_SECONDS', { infer: true });
    this.retentionDays = config.get('BACKUP_RETENTION_DAYS', { infer: true });
  }

  async status(limit: number, now = new Date()): Promise<BackupStatusResponse> {
    const [catalogue, walArchive] = await Promise.all([this.catalogue.read(), this.readWal()]);
    return {
      ...this.judge(catalogue, now),
      wal_archive: walArchive,
      ...this.listed(catalogue, limit),
    };
  }

  /** The WAL archiver's counters, or null (logged) when PostgreSQL does not answer. */
  async readWal(): Promise<WalArchiveStatus | null> {
    try {
      return await this.walArchive.status();
    } catch (error) {
      this.logger.warn({ msg: 'pg_stat_archiver not read', error: (error as Error).message });
      return null;
    }
  }

  private judge(catalogue: BackupCatalogue, now: Date) {
    const base = { retention_days: this.retentionDays, max_age_seconds: this.maxAgeSeconds };
    if (!catalogue.configured) {
      return {
        configured: false,
        ...base,
        stale: true,
        last_success: null,
        last_failure: null,
        last_verified: null,
      };
    }
    const newest = catalogue.runs[0];
    const ageSeconds = newest
      ? Math.max(0, Math.floor((now.getTime() - Date.parse(newest.finished_at)) / 1000))
      : null;
    const failure = catalogue.lastFailure;
    const verifications = catalogue.runs
      .filter((run) => run.verified)
      .map((run) => ({ id: run.id, ...run.verified! }))
      .sort((a, b) => b.verified_at.localeCompare(a.verified_at));
    return {
      configured: true,
      backup_dir: catalogue.dir,
      ...base,
      stale: ageSeconds === null || ageSeconds > this.maxAgeSeconds,
      last_success: newest
        ? {
            id: newest.id,
            finished_at: newest.finished_at,
            age_seconds: ageSeconds as number,
            size_bytes: newest.size_bytes,
            duration_seconds: newest.duration_seconds,
            postgres: newest.postgres,
            clickhouse: newest.clickhouse,
            kafka: newest.kafka,
          }
        : null,
      // A failure before the last success is history: the platform has a backup since.
      last_failure:
        failure && (!newest || Date.parse(failure.at) > Date.parse(newest.finished_at))
          ? failure
          : null,
      last_verified: verifications[0] ?? null,
    };
  }

  private listed(catalogue: BackupCatalogue, limit: number) {
    const runs = catalogue.configured ? catalogue.runs.slice(0, limit) : [];
    return {
      backups: runs.map((run) => ({
        id: run.id,
        finished_at: run.finished_at,
        size_bytes: run.size_bytes,
        duration_seconds: run.duration_seconds,
        verified: run.verified,
      })),
    };
  }
}
