import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import type { BackupCatalogue, BackupCatalogueService } from './backup-catalogue.service';
import { BackupStatusService } from './backup-status.service';
import type { WalArchiveRepository } from './wal-archive.repository';

const NOW = new Date('2026-11-30T12:00:00Z');
const run = (finishedAt: string) => ({
  id: `${finishedAt.slice(0, 19).replace(/[-:]/g, '')}Z`,
  finished_at: finishedAt,
  size_bytes: 10,
  duration_seconds: 1,
  postgres: { end_lsn: '0/1', timeline: 1 },
  clickhouse: null,
  kafka: null,
  verified: null,
});

/** The judgement over the catalogue; the catalogue and pg_stat_archiver are ports here. */
function statusOf(catalogue: BackupCatalogue, wal: () => Promise<unknown>) {
  const config = {
    get: (key: string) => ({ BACKUP_MAX_AGE_SECONDS: 3600, BACKUP_RETENTION_DAYS: 30 })[key],
  } as unknown as ConfigService<Environment, true>;
  return new BackupStatusService(
    { read: () => Promise.resolve(catalogue) } as unknown as BackupCatalogueService,
    { status: wal } as unknown as WalArchiveRepository,
    config,
  ).status(20, NOW);
}

describe('BackupStatusService', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('is stale only past max_age_seconds (exactly at it: not yet)', async () => {
    const at = (iso: string) =>
      statusOf({ configured: true, dir: '/b', runs: [run(iso)], lastFailure: null }, () =>
        Promise.reject(new Error('unused')),
      );
    expect(await at('2026-11-30T11:00:00.000Z')).toMatchObject({
      stale: false,
      last_success: { age_seconds: 3600 },
    });
    expect(await at('2026-11-30T10:59:59.000Z')).toMatchObject({
      stale: true,
      last_success: { age_seconds: 3601 },
    });
  });

  it('answers wal_archive null, with a warning, when pg_stat_archiver cannot be read', async () => {
    const status = await statusOf({ configured: false }, () =>
      Promise.reject(new Error('connection terminated')),
    );
    expect(status.wal_archive).toBeNull();
    expect(warn).toHaveBeenCalledWith({
      msg: 'pg_stat_archiver not read',
      error: 'connection terminated',
    });
  });
});
