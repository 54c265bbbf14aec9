import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/** Exit code and output of a bash snippet run from the repository root. */
async function bash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * The pieces of scripts/backup.sh whose mistakes would lose a restore point quietly: the WAL
 * archiving command (PostgreSQL's contract: same segment again is a success only with the same
 * bytes), the retention choice (the anchor run before the window is kept) and the WAL chain check
 * (a missing segment is a gap no point in time can cross). The drill
 * (test/operations/disaster-recovery.e2e-spec.ts) runs the whole.
 */
describe('backup scripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantry-backup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('wal-archive.sh (archive_command)', () => {
    // The script reads archive.env beside itself: run a copy from a fake data folder.
    const setUp = (target: string) =>
      bash(
        `mkdir -p ${dir}/pg ${dir}/wal && cp scripts/stack/postgres/wal-archive.sh ${dir}/pg/ && printf 'BACKUP_TARGET=${target}\\nBACKUP_WAL_DIR=${dir}/wal\\n' > ${dir}/pg/archive.env`,
      );
    // PostgreSQL runs archive_command with /bin/sh (dash here), not bash.
    const archiveCopy = (segment: string) =>
      bash(`sh ${dir}/pg/wal-archive.sh ${dir}/pg/${segment} ${segment}`);

    it('compresses a segment into the archive, and accepts the same segment again', async () => {
      await setUp('local');
      writeFileSync(join(dir, 'pg', '000000010000000000000001'), Buffer.alloc(65536, 7));
      expect((await archiveCopy('000000010000000000000001')).code).toBe(0);
      expect(readdirSync(join(dir, 'wal'))).toEqual(['000000010000000000000001.zst']);
      const roundTrip = await bash(
        `zstd -q -d -c ${dir}/wal/000000010000000000000001.zst | cmp - ${dir}/pg/000000010000000000000001`,
      );
      expect(roundTrip.code).toBe(0);
      expect((await archiveCopy('000000010000000000000001')).code).toBe(0);
    });

    it('refuses the same name with other bytes (PostgreSQL keeps the segment and retries)', async () => {
      await setUp('local');
      writeFileSync(join(dir, 'pg', '000000010000000000000002'), Buffer.alloc(65536, 1));
      expect((await archiveCopy('000000010000000000000002')).code).toBe(0);
      writeFileSync(join(dir, 'pg', '000000010000000000000002'), Buffer.alloc(65536, 2));
      const again = await archiveCopy('000000010000000000000002');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists with other content');
    });

    it('keeps the segment (fails) when archive.env is missing: nobody said WAL may go', async () => {
      await setUp('local');
      rmSync(join(dir, 'pg', 'archive.env'));
      writeFileSync(join(dir, 'pg', '000000010000000000000004'), Buffer.alloc(1024, 4));
      const result = await archiveCopy('000000010000000000000004');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('archive.env is missing');
      expect(readdirSync(join(dir, 'wal'))).toEqual([]);
    });

    it('discards when backups are off, and fails when the archive folder is missing', async () => {
      await setUp('off');
      writeFileSync(join(dir, 'pg', '000000010000000000000003'), Buffer.alloc(1024, 3));
      expect((await archiveCopy('000000010000000000000003')).code).toBe(0);
      expect(readdirSync(join(dir, 'wal'))).toEqual([]);
      await setUp('local');
      rmSync(join(dir, 'wal'), { recursive: true });
      expect((await archiveCopy('000000010000000000000003')).code).toBe(1);
    });
  });

  describe('prune_selection (retention)', () => {
    const select = async (ids: string[], cutoff: string, minKeep: number) =>
      (
        await bash(
          `. scripts/backup/prune.sh; printf '%s\\n' ${ids.join(' ')} | prune_selection ${cutoff} ${minKeep}`,
        )
      ).stdout
        .split('\n')
        .filter(Boolean);

    it('deletes what is older than the window except the newest run before it (the anchor)', async () => {
      const ids = ['20261001T020000Z', '20261010T020000Z', '20261015T020000Z', '20261102T020000Z'];
      expect(await select(ids, '20261031T000000Z', 2)).toEqual([
        '20261001T020000Z',
        '20261010T020000Z',
      ]);
    });

    it('keeps at least the newest N runs however old', async () => {
      const ids = ['20260101T020000Z', '20260102T020000Z', '20260103T020000Z'];
      expect(await select(ids, '20261031T000000Z', 2)).toEqual(['20260101T020000Z']);
      expect(await select(ids, '20261031T000000Z', 5)).toEqual([]);
    });
  });

  describe('check_wal_chain', () => {
    const chain = async (segments: string[], start: string) => {
      await bash(`mkdir -p ${dir}/wal`);
      for (const segment of segments) writeFileSync(join(dir, 'wal', `${segment}.zst`), '');
      return bash(
        `die() { echo "$*" >&2; exit 1; }; WAL_ARCHIVE=${dir}/wal; . scripts/backup/postgres.sh; check_wal_chain ${start}`,
      );
    };

    it('counts an unbroken run of segments, across a log boundary', async () => {
      const result = await chain(
        ['0000000100000001000000FE', '0000000100000001000000FF', '000000010000000200000000'],
        '0000000100000001000000FE',
      );
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe('3');
    });

    it('names the gap when a segment is missing', async () => {
      const result = await chain(
        ['000000010000000000000003', '000000010000000000000004', '000000010000000000000006'],
        '000000010000000000000003',
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'WAL archive gap: 000000010000000000000004 is followed by 000000010000000000000006',
      );
    });
  });
});
