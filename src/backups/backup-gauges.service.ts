import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { registerScrapeTimeGauge } from '../metrics/scrape-time-gauge';
import { type BackupCatalogue, BackupCatalogueService } from './backup-catalogue.service';
import { BackupStatusService } from './backup-status.service';
import type { WalArchiveStatus } from './wal-archive.repository';

const READ_TIMEOUT_MS = 5_000;
/** One scrape reads several gauges: they share one read of the folder and of PostgreSQL. */
const SHARED_READ_MS = 2_000;

const seconds = (iso: string | null | undefined) => (iso ? Date.parse(iso) / 1000 : 0);

/**
 * The backup figures the BackupTooOld, BackupNeverSucceeded and WalArchivingFailing alerts read,
 * computed when Prometheus scrapes (every app copy reads the same folder and cluster, so each
 * reports the same values). No labels: one backup folder, one PostgreSQL cluster.
 */
@Injectable()
export class BackupGaugesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BackupGaugesService.name);
  private readonly unregister: (() => void)[] = [];
  private catalogueRead?: { at: number; value: Promise<BackupCatalogue> };
  private walRead?: { at: number; value: Promise<WalArchiveStatus | null> };

  constructor(
    private readonly catalogue: BackupCatalogueService,
    private readonly status: BackupStatusService,
  ) {}

  onModuleInit(): void {
    const backup = (read: (catalogue: BackupCatalogue) => number) => async (gauge: Gauge<string>) =>
      gauge.set(read(await this.readCatalogue()));
    const wal = (read: (status: WalArchiveStatus) => number) => async (gauge: Gauge<string>) => {
      const status = await this.readWal();
      // Unreadable (logged by readWal): the last values stand, as for any scrape-time gauge.
      if (status) gauge.set(read(status));
    };
    const newest = (c: BackupCatalogue) => (c.configured ? c.runs[0] : undefined);
    this.gauge(
      'tenantry_backup_configured',
      '1 when BACKUP_DIR is set (backups are configured), 0 otherwise',
      backup((c) => (c.configured ? 1 : 0)),
    );
    this.gauge(
      'tenantry_backup_last_success_timestamp_seconds',
      'When the newest complete backup run finished (Unix seconds); 0 when there is none',
      backup((c) => seconds(newest(c)?.finished_at)),
    );
    this.gauge(
      'tenantry_backup_last_size_bytes',
      'Size of the newest complete backup run, in bytes (0 when there is none)',
      backup((c) => newest(c)?.size_bytes ?? 0),
    );
    this.gauge(
      'tenantry_backup_last_duration_seconds',
      'How long the newest complete backup run took, in seconds (0 when there is none)',
      backup((c) => newest(c)?.duration_seconds ?? 0),
    );
    this.gauge(
      'tenantry_wal_archive_failed_total',
      "PostgreSQL's failed WAL archive attempts since its stats were last reset (pg_stat_archiver.failed_count)",
      wal((s) => s.failed_count),
    );
    this.gauge(
      'tenantry_wal_archive_last_success_timestamp_seconds',
      'When PostgreSQL last archived a WAL segment (Unix seconds); 0 when never (pg_stat_archiver)',
      wal((s) => seconds(s.last_archived_at)),
    );
  }

  onModuleDestroy(): void {
    for (const unregister of this.unregister) unregister();
  }

  private gauge(name: string, help: string, read: (gauge: Gauge<string>) => Promise<void>): void {
    this.unregister.push(
      registerScrapeTimeGauge({
        name,
        help,
        timeoutMs: READ_TIMEOUT_MS,
        read,
        onError: (error) =>
          this.logger.warn({
            msg: 'backup gauge not read',
            gauge: name,
            error: (error as Error).message,
          }),
      }),
    );
  }

  private readCatalogue(): Promise<BackupCatalogue> {
    if (!this.catalogueRead || Date.now() - this.catalogueRead.at > SHARED_READ_MS) {
      this.catalogueRead = { at: Date.now(), value: this.catalogue.read() };
    }
    return this.catalogueRead.value;
  }

  private readWal(): Promise<WalArchiveStatus | null> {
    if (!this.walRead || Date.now() - this.walRead.at > SHARED_READ_MS) {
      this.walRead = { at: Date.now(), value: this.status.readWal() };
    }
    return this.walRead.value;
  }
}
