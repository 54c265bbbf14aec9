import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackupCatalogueService, MAX_RUNS_READ } from '../../src/backups/backup-catalogue.service';
import type { Environment } from '../../src/config/environment';
import { BackupFolder, manifest, runId } from './backup-folder';

const catalogueOf = (dir: string | undefined) =>
  new BackupCatalogueService({ get: () => dir } as unknown as ConfigService<Environment, true>);

const configured = async (catalogue: BackupCatalogueService) => {
  const read = await catalogue.read();
  if (!read.configured) throw new Error('expected a configured catalogue');
  return read;
};

/** BackupCatalogueService over a BACKUP_DIR laid out as scripts/backup.sh writes it. */
describe('BackupCatalogueService', () => {
  let folder: BackupFolder;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    folder = new BackupFolder();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
    folder.remove();
  });

  it('is not configured without BACKUP_DIR', async () => {
    expect(await catalogueOf(undefined).read()).toEqual({ configured: false });
  });

  it('has no runs in a new BACKUP_DIR (no backups/ yet), without a warning', async () => {
    const read = await configured(catalogueOf(folder.dir));
    expect(read).toEqual({ configured: true, dir: folder.dir, runs: [], lastFailure: null });
    expect(warn).not.toHaveBeenCalled();
  });

  it('lists complete runs newest first, with their manifest figures; folders without manifest.json are not runs', async () => {
    const older = '2026-11-29T02:00:00Z';
    const newer = '2026-11-30T02:00:00Z';
    folder.run(runId(older), manifest(runId(older), '2026-11-29T02:00:12.456Z'));
    folder.run(runId(newer), manifest(runId(newer), '2026-11-30T02:00:12.456Z', { kafka: null }));
    folder.run('20261130T030000Z'); // in progress: no manifest yet
    folder.run('not-a-run'); // not a run id at all
    const { runs } = await configured(catalogueOf(folder.dir));
    expect(runs.map((run) => run.id)).toEqual([runId(newer), runId(older)]);
    expect(runs[0]).toEqual({
      id: runId(newer),
      finished_at: '2026-11-30T02:00:12.456Z',
      size_bytes: 123_456_789,
      duration_seconds: 12.3,
      postgres: { end_lsn: '8/4A000138', timeline: 1 },
      clickhouse: { databases: ['tenantry'], rows: 10_025 },
      kafka: null,
      verified: null,
    });
    expect(runs[1].kafka).toEqual({ cluster_id: 'abc' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('skips a malformed manifest with one warning naming the run, however often it is read', async () => {
    folder.run('20261130T010000Z', manifest('20261130T010000Z', '2026-11-30T01:00:10Z'));
    folder.run('20261130T020000Z', '{"format": 1, "id": "20261130T0200'); // cut short
    folder.run('20261130T030000Z', manifest('20261130T030000Z', 'yesterday'));
    folder.run('20261130T040000Z', {
      ...manifest('20261130T040000Z', '2026-11-30T04:00:10Z'),
      format: 2,
    });
    folder.run('20261130T050000Z', manifest('20261130T999999Z', '2026-11-30T05:00:10Z'));
    folder.run('20261130T060000Z', {
      ...manifest('20261130T060000Z', '2026-11-30T06:00:10Z'),
      size_bytes: -1,
    });
    const catalogue = catalogueOf(folder.dir);
    for (let i = 0; i < 3; i += 1) {
      const { runs } = await configured(catalogue);
      expect(runs.map((run) => run.id)).toEqual(['20261130T010000Z']);
    }
    const skipped = warn.mock.calls.map(([entry]) => entry as { msg: string; backup_id: string });
    expect(skipped.map((entry) => entry.backup_id).sort()).toEqual([
      '20261130T020000Z',
      '20261130T030000Z',
      '20261130T040000Z',
      '20261130T050000Z',
      '20261130T060000Z',
    ]);
    expect(skipped[0].msg).toContain('malformed');
  });

  it('reads a manifest fixed in place again (a new mtime), not the cached verdict', async () => {
    const folderPath = folder.run('20261130T020000Z', '{not json');
    const catalogue = catalogueOf(folder.dir);
    expect((await configured(catalogue)).runs).toEqual([]);
    folder.run('20261130T020000Z', manifest('20261130T020000Z', '2026-11-30T02:00:10Z'));
    folder.touchLater(join(folderPath, 'manifest.json'), 5);
    expect((await configured(catalogue)).runs.map((run) => run.id)).toEqual(['20261130T020000Z']);
  });

  it('reads each run’s verified.json; a malformed one counts as not verified', async () => {
    folder.run('20261129T020000Z', manifest('20261129T020000Z', '2026-11-29T02:00:10Z'));
    folder.run('20261130T020000Z', manifest('20261130T020000Z', '2026-11-30T02:00:10Z'));
    folder.verified('20261129T020000Z', {
      verified_at: '2026-11-29T03:00:00Z',
      deep: true,
      ok: true,
      detail: 'restored and counted',
    });
    folder.verified('20261130T020000Z', { verified_at: 'soon', deep: false, ok: true });
    const { runs } = await configured(catalogueOf(folder.dir));
    expect(runs.map((run) => run.verified)).toEqual([
      null,
      { verified_at: '2026-11-29T03:00:00.000Z', deep: true, ok: true },
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reads last-failure.json; a malformed one is ignored with a warning', async () => {
    folder.lastFailure({
      at: '2026-11-30T02:00:05Z',
      id: '20261130T020000Z',
      phase: 'preflight',
      message: 'not enough free space',
    });
    const catalogue = catalogueOf(folder.dir);
    expect((await configured(catalogue)).lastFailure).toEqual({
      at: '2026-11-30T02:00:05.000Z',
      id: '20261130T020000Z',
      phase: 'preflight',
      message: 'not enough free space',
    });
    folder.lastFailure('[]');
    expect((await configured(catalogue)).lastFailure).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it(`reads at most the newest ${MAX_RUNS_READ} run folders`, async () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < MAX_RUNS_READ + 5; i += 1) {
      const iso = new Date(base + i * 3_600_000).toISOString();
      folder.run(runId(iso), manifest(runId(iso), iso));
    }
    const { runs } = await configured(catalogueOf(folder.dir));
    expect(runs).toHaveLength(MAX_RUNS_READ);
    expect(runs[0].id).toBe(runId(new Date(base + (MAX_RUNS_READ + 4) * 3_600_000).toISOString()));
    expect(runs.at(-1)?.id).toBe(runId(new Date(base + 5 * 3_600_000).toISOString()));
  });

  it('answers no runs, with one warning, when BACKUP_DIR/backups cannot be read', async () => {
    // A file where the folder should be: unreadable as a folder whoever the tests run as.
    writeFileSync(join(folder.dir, 'backups'), 'not a folder');
    const catalogue = catalogueOf(folder.dir);
    expect((await configured(catalogue)).runs).toEqual([]);
    expect((await configured(catalogue)).runs).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({ msg: 'backup folder not readable' });
  });
});
