import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Client } from 'pg';
import { BACKUP_QUEUE } from '../../src/backups/backup.job';
import { BackupRunner } from '../../src/backups/backup.runner';
import type { ScheduledJobStatus } from '../../src/jobs/scheduled-job.status';
import { eventually } from '../support/ingestion';
import { connectAs } from '../support/sql';
import { adminAuth, createTestApp, type TestApp } from '../support/test-app';
import { BackupFolder } from './backup-folder';

const FIXTURE_SCRIPT = join(__dirname, 'fixtures', 'backup.sh');

type JobsBody = { details: { scheduled_jobs: { jobs: ScheduledJobStatus[] } } };
const backupJobStatus = async (t: TestApp) => {
  const response = await t.http.get('/health/jobs');
  const jobs = (response.body as JobsBody).details.scheduled_jobs.jobs;
  return { code: response.status, job: jobs.find((job) => job.job === BACKUP_QUEUE) };
};

/** Sets how the fixture script behaves for the runs that follow (it inherits the environment). */
const fixtureMode = (mode: string) => {
  process.env.FIXTURE_BACKUP_MODE = mode;
};

const jobEnv = (folder: BackupFolder, extra: Record<string, string> = {}) => ({
  KAFKA_BROKERS: '',
  BACKUP_DIR: folder.dir,
  BACKUP_SCRIPT: FIXTURE_SCRIPT,
  ...extra,
});

/** Issue 17 item 5: the platform-backups job runs the backup script, and says when it fails. */
describe('platform-backups job', () => {
  let owner: Client;
  beforeAll(async () => {
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    delete process.env.FIXTURE_BACKUP_MODE;
    await owner.end();
  });

  const audited = async (action: string, since: Date) =>
    (
      await owner.query<{
        actor_type: string;
        actor_id: string;
        resource_id: string | null;
        details: Record<string, unknown>;
      }>(
        `SELECT actor_type, actor_id, resource_id, details FROM platform_audit_log
          WHERE action = $1 AND resource_type = 'backup' AND at >= $2 ORDER BY at`,
        [action, since],
      )
    ).rows;

  describe('with Redis: a BullMQ repeatable job', () => {
    let t: TestApp;
    let queue: Queue;
    const folder = new BackupFolder();
    const lastFailure = () =>
      JSON.parse(readFileSync(join(folder.dir, 'last-failure.json'), 'utf8'));
    const calls = () => readFileSync(join(folder.dir, 'calls.log'), 'utf8').trim().split('\n');

    let logs = '';
    /** The backup runner's JSON log lines written since `from` (an offset into `logs`). */
    const runnerLogs = (from: number) =>
      logs
        .slice(from)
        .split('\n')
        .filter((line) => line.includes('"BackupRunner"'))
        .map(
          (line) =>
            JSON.parse(line) as { level: number; msg: string; phase?: string; line?: string },
        );

    beforeAll(async () => {
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      t = await createTestApp({ env: jobEnv(folder, { LOG_LEVEL: 'info' }), logs: sink });
      queue = t.app.get<Queue>(getQueueToken(BACKUP_QUEUE));
    });
    afterAll(async () => {
      await queue.removeJobScheduler('create-backup');
      await queue.obliterate({ force: true });
      await t.close();
      folder.remove();
    });

    /** One run, as the schedule would start it; resolves when it has completed or failed. */
    const runOnce = async (): Promise<Job> => {
      const job = await queue.add('backup', {}, { removeOnComplete: 30, removeOnFail: 30 });
      const state = await eventually(async () => {
        const now = await job.getState();
        return now === 'completed' || now === 'failed' ? 'done' : now;
      }, 'done');
      expect(state).toBe('done');
      return (await queue.getJob(job.id!))!;
    };

    it('is scheduled at 02:00 UTC by default and shows in /health/jobs', async () => {
      const status = await eventually(
        async () => (await backupJobStatus(t)).job?.schedule,
        'cron 0 2 * * * UTC',
      );
      expect(status).toBe('cron 0 2 * * * UTC');
      expect((await backupJobStatus(t)).job).toMatchObject({ runner: 'bullmq', healthy: true });
    });

    it('runs `create --json` then `prune`, returns the new run, audits it', async () => {
      fixtureMode('ok');
      const since = new Date();
      const logsFrom = logs.length;
      const job = await runOnce();
      expect(job.failedReason).toBeUndefined();
      expect(job.returnvalue).toEqual({
        id: expect.stringMatching(/^\d{8}T\d{6}Z$/),
        size_bytes: 4096,
        duration_seconds: 1.5,
      });
      expect(calls()).toEqual(['create --json', 'prune']);
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expect(body).toMatchObject({
        stale: false,
        last_success: { id: job.returnvalue.id },
        last_failure: null,
      });
      expect(await audited('backup.created', since)).toEqual([
        {
          actor_type: 'system',
          actor_id: 'platform-backups',
          resource_id: job.returnvalue.id,
          details: job.returnvalue,
        },
      ]);
      expect((await backupJobStatus(t)).code).toBe(200);
      // One structured line per phase, and the script's progress lines between.
      expect(runnerLogs(logsFrom).map((entry) => [entry.msg, entry.phase, entry.line])).toEqual([
        ['backup create started', 'create', undefined],
        ['backup progress', 'create', `backup ${job.returnvalue.id}: postgres`],
        ['backup created', 'create', undefined],
        ['backup prune started', 'prune', undefined],
        ['backups pruned', 'prune', undefined],
      ]);
    });

    it('fails the run when the script fails: error kept, last-failure.json written, /health/jobs says so', async () => {
      fixtureMode('fail');
      const since = new Date();
      const logsFrom = logs.length;
      const job = await runOnce();
      expect(runnerLogs(logsFrom).at(-1)).toMatchObject({
        level: 50,
        msg: 'backup failed',
        phase: 'create',
        error: expect.stringContaining('exit code 3'),
      });
      expect(job.failedReason).toMatch(
        /^backup create failed: exit code 3: .*could not connect to server/s,
      );
      expect(lastFailure()).toEqual({
        at: expect.any(String),
        id: '',
        phase: 'create',
        message: expect.stringContaining('pg_basebackup: could not connect to server'),
      });
      expect(Date.parse(lastFailure().at)).toBeGreaterThanOrEqual(since.getTime());
      const health = await backupJobStatus(t);
      expect(health.code).toBe(503);
      expect(health.job).toMatchObject({ healthy: false, last_error: job.failedReason });
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expect(body.last_failure).toMatchObject({ phase: 'create' });
      expect(await audited('backup.failed', since)).toEqual([
        expect.objectContaining({
          actor_type: 'system',
          details: { phase: 'create', message: expect.stringContaining('exit code 3') },
        }),
      ]);
    });

    it('keeps the failure the script recorded itself (it knows the phase)', async () => {
      fixtureMode('fail-recorded');
      const job = await runOnce();
      expect(job.failedReason).toContain('not enough free space');
      expect(lastFailure()).toMatchObject({ phase: 'preflight', message: 'not enough free space' });
    });

    it('fails a run whose script exits 0 without a complete run in BACKUP_DIR', async () => {
      fixtureMode('no-manifest');
      const job = await runOnce();
      expect(job.failedReason).toContain('no new complete run');
      expect(lastFailure()).toMatchObject({ phase: 'create' });
    });

    it('fails the run when pruning fails, after the backup itself was made', async () => {
      fixtureMode('fail-prune');
      rmSync(join(folder.dir, 'calls.log'));
      const job = await runOnce();
      expect(job.failedReason).toMatch(/^backup prune failed: exit code 5/);
      expect(calls()).toEqual(['create --json', 'prune']);
      expect(lastFailure()).toMatchObject({ phase: 'prune' });
    });

    it('keeps only the tail of a chatty script’s output, and succeeds again', async () => {
      fixtureMode('chatty');
      const job = await runOnce();
      expect(job.failedReason).toBeUndefined();
      expect(job.returnvalue.size_bytes).toBe(4096);
      const health = await backupJobStatus(t);
      expect(health).toMatchObject({ code: 200, job: { healthy: true } });
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expect(body).toMatchObject({ last_success: { id: job.returnvalue.id }, last_failure: null });
    });
  });

  describe('without Redis: an in-process timer', () => {
    it('registers a timer that runs the same backup', async () => {
      const folder = new BackupFolder();
      const t = await createTestApp({
        env: jobEnv(folder, { REDIS_URL: '', BACKUP_SCHEDULE: '30 1 * * 1-5' }),
      });
      try {
        const { job } = await backupJobStatus(t);
        // A weekday schedule's longest gap (Friday to Monday) is what lateness is measured by.
        expect(job).toMatchObject({
          runner: 'timer',
          schedule: 'cron 30 1 * * 1-5 UTC',
          healthy: true,
        });
        expect(Date.parse(job!.next_run_at!) - Date.now()).toBeGreaterThan(71 * 3_600_000);
        fixtureMode('ok');
        const outcome = await t.app.get(BackupRunner).run();
        expect(existsSync(join(folder.dir, 'backups', outcome.id, 'manifest.json'))).toBe(true);
      } finally {
        await t.close();
        folder.remove();
      }
    });
  });

  it('records the failure of a script that failed before making BACKUP_DIR', async () => {
    const folder = new BackupFolder();
    const missing = join(folder.dir, 'not-made-yet');
    const t = await createTestApp({
      env: { ...jobEnv(folder), BACKUP_DIR: missing, REDIS_URL: '' },
    });
    try {
      fixtureMode('ok');
      await expect(t.app.get(BackupRunner).run()).rejects.toThrow(
        /^backup create failed: exit code 1/,
      );
      expect(JSON.parse(readFileSync(join(missing, 'last-failure.json'), 'utf8'))).toMatchObject({
        phase: 'create',
        message: expect.stringContaining('calls.log'),
      });
    } finally {
      await t.close();
      folder.remove();
    }
  });

  it('is not scheduled with BACKUP_SCHEDULE=off, nor without BACKUP_DIR', async () => {
    const folder = new BackupFolder();
    for (const env of [jobEnv(folder, { BACKUP_SCHEDULE: 'off' }), { KAFKA_BROKERS: '' }]) {
      const t = await createTestApp({ env });
      try {
        expect((await backupJobStatus(t)).job).toBeUndefined();
      } finally {
        await t.close();
      }
    }
    folder.remove();
  });

  it.each([
    ['not a cron', 'BACKUP_SCHEDULE: BACKUP_SCHEDULE must be a 5-field cron pattern'],
    ['0 25 * * *', 'BACKUP_SCHEDULE: BACKUP_SCHEDULE is not a valid cron pattern'],
    ['*/5 * * * * *', 'BACKUP_SCHEDULE: BACKUP_SCHEDULE must be a 5-field cron pattern'],
  ])('refuses to start with BACKUP_SCHEDULE=%j, naming it', async (schedule, message) => {
    await expect(
      createTestApp({ env: { KAFKA_BROKERS: '', BACKUP_SCHEDULE: schedule } }),
    ).rejects.toThrow(message);
  });

  it('refuses to start with a relative BACKUP_DIR, naming it', async () => {
    await expect(
      createTestApp({ env: { KAFKA_BROKERS: '', BACKUP_DIR: 'backups' } }),
    ).rejects.toThrow('BACKUP_DIR: BACKUP_DIR must be an absolute path');
  });
});
