import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { connectAs } from '../support/sql';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
} from '../support/test-app';
import { BackupFolder, manifest, runId } from './backup-folder';

/** The value of a series without labels of its own (the registry's service label aside). */
function sample(scrape: string, name: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${name}{service="tenantry"} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** The answer's schema in the committed OpenAPI document (formats are checked by the tests). */
const documented = (() => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(
    JSON.parse(readFileSync(join(__dirname, '../../docs/openapi.json'), 'utf8')),
    'api',
  );
  return ajv.getSchema('api#/components/schemas/BackupStatusResponse') as ValidateFunction;
})();
const expectDocumented = (body: unknown) => {
  documented(body);
  expect(documented.errors ?? []).toEqual([]);
};

const scrape = async (t: TestApp) =>
  (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;

/** Issue 17 item 5: GET /admin/backups and the backup gauges, read from BACKUP_DIR. */
describe('GET /admin/backups', () => {
  let owner: Client;
  beforeAll(async () => {
    owner = await connectAs('owner');
  });
  afterAll(() => owner.end());

  const archiver = async () =>
    (
      await owner.query<{ archived_count: string; failed_count: string }>(
        'SELECT archived_count, failed_count FROM pg_stat_archiver',
      )
    ).rows[0];

  describe('without BACKUP_DIR', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
    });
    afterAll(() => t.close());

    it('is for platform admins only', async () => {
      await t.http.get('/admin/backups').expect(401);
      const tenant = await createTenant(t.http);
      await t.http
        .get('/admin/backups')
        .set(bearer(tenantToken(tenant.id)))
        .expect(403);
    });

    it('says backups are not configured, and stale, with the WAL archiver still read', async () => {
      // The archiver's counters are the whole cluster's: other test lanes' WAL moves them
      // between reads, so the answer must lie between a read before and one after.
      const walBefore = await archiver();
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expectDocumented(body);
      const wal = await archiver();
      expect(body).toEqual({
        configured: false,
        retention_days: 30,
        max_age_seconds: 86_400,
        stale: true,
        last_success: null,
        last_failure: null,
        last_verified: null,
        wal_archive: expect.objectContaining({
          archived_count: expect.any(Number),
          failed_count: expect.any(Number),
        }),
        backups: [],
      });
      expect(body.wal_archive.archived_count).toBeGreaterThanOrEqual(
        Number(walBefore.archived_count),
      );
      expect(body.wal_archive.failed_count).toBeGreaterThanOrEqual(Number(walBefore.failed_count));
      expect(body.wal_archive.archived_count).toBeLessThanOrEqual(Number(wal.archived_count));
      expect(body.wal_archive.failed_count).toBeLessThanOrEqual(Number(wal.failed_count));
    });

    it('exports tenantry_backup_configured 0 and no last success', async () => {
      const text = await scrape(t);
      expect(sample(text, 'tenantry_backup_configured')).toBe(0);
      expect(sample(text, 'tenantry_backup_last_success_timestamp_seconds')).toBe(0);
      expect(sample(text, 'tenantry_wal_archive_failed_total')).toBe(
        Number((await archiver()).failed_count),
      );
      expect(sample(text, 'tenantry_wal_archive_last_success_timestamp_seconds')).toEqual(
        expect.any(Number),
      );
    });

    it.each(['0', '101', '-1', '2.5', 'ten', ''])(
      'answers 400 naming limit for limit=%j',
      async (limit) => {
        const response = await t.http
          .get('/admin/backups')
          .query({ limit })
          .set(adminAuth)
          .expect(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(
          expect.arrayContaining(['limit']),
        );
      },
    );

    it('answers 400 naming an unknown query field', async () => {
      const response = await t.http
        .get('/admin/backups?since=yesterday')
        .set(adminAuth)
        .expect(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'since' })]);
    });
  });

  describe('with BACKUP_DIR', () => {
    let t: TestApp;
    const folder = new BackupFolder();
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const day2 = hoursAgo(50);
    const day1 = hoursAgo(26);
    const recent = hoursAgo(1);
    const verifiedAt = [hoursAgo(49), hoursAgo(25)].map((at) => at.toISOString());
    const ids = [day2, day1, recent].map((at) => runId(at.toISOString()));

    beforeAll(async () => {
      folder.run(ids[0], manifest(ids[0], day2.toISOString()));
      folder.run(
        ids[1],
        manifest(ids[1], day1.toISOString(), { size_bytes: 1000, clickhouse: null }),
      );
      folder.run(ids[2], manifest(ids[2], recent.toISOString(), { duration_seconds: 61.5 }));
      folder.run(runId(new Date().toISOString())); // in progress
      folder.run('20261130T000000Z', '{"format":'); // malformed: skipped
      folder.verified(ids[0], {
        verified_at: verifiedAt[0],
        deep: true,
        ok: true,
        detail: '',
      });
      folder.verified(ids[1], {
        verified_at: verifiedAt[1],
        deep: false,
        ok: false,
        detail: 'SHA256SUMS',
      });
      // Before the last success: history, not reported.
      folder.lastFailure({
        at: hoursAgo(2).toISOString(),
        id: 'x',
        phase: 'postgres',
        message: 'disk full',
      });
      t = await createTestApp({
        env: {
          KAFKA_BROKERS: '',
          BACKUP_DIR: folder.dir,
          BACKUP_SCHEDULE: 'off',
          BACKUP_RETENTION_DAYS: '14',
        },
      });
    });
    afterAll(async () => {
      await t.close();
      folder.remove();
    });

    it('reports the last success with its age and size, the latest verification and the newest runs', async () => {
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expectDocumented(body);
      expect(body).toMatchObject({
        configured: true,
        backup_dir: folder.dir,
        retention_days: 14,
        max_age_seconds: 86_400,
        stale: false,
        last_failure: null,
        last_verified: {
          id: ids[1],
          deep: false,
          ok: false,
          verified_at: verifiedAt[1],
        },
      });
      expect(body.last_success).toEqual({
        id: ids[2],
        finished_at: recent.toISOString(),
        age_seconds: expect.any(Number),
        size_bytes: 123_456_789,
        duration_seconds: 61.5,
        postgres: { end_lsn: '8/4A000138', timeline: 1 },
        clickhouse: { databases: ['tenantry'], rows: 10_025 },
        kafka: { cluster_id: 'abc' },
      });
      expect(body.last_success.age_seconds).toBeGreaterThanOrEqual(3600);
      expect(body.last_success.age_seconds).toBeLessThan(3700);
      expect(body.backups.map((run: { id: string }) => run.id)).toEqual([...ids].reverse());
      expect(body.backups[1]).toEqual({
        id: ids[1],
        finished_at: day1.toISOString(),
        size_bytes: 1000,
        duration_seconds: 12.3,
        verified: { verified_at: verifiedAt[1], deep: false, ok: false },
      });
      expect(body.backups[0].verified).toBeNull();
    });

    it('lists at most limit runs', async () => {
      const body = (await t.http.get('/admin/backups?limit=1').set(adminAuth).expect(200)).body;
      expect(body.backups.map((run: { id: string }) => run.id)).toEqual([ids[2]]);
      expect(body.last_success.id).toBe(ids[2]);
    });

    it('exports the last success’s time, size and duration', async () => {
      const text = await scrape(t);
      expect(sample(text, 'tenantry_backup_configured')).toBe(1);
      expect(sample(text, 'tenantry_backup_last_success_timestamp_seconds')).toBe(
        recent.getTime() / 1000,
      );
      expect(sample(text, 'tenantry_backup_last_size_bytes')).toBe(123_456_789);
      expect(sample(text, 'tenantry_backup_last_duration_seconds')).toBe(61.5);
    });

    it('reports a failure newer than the last success', async () => {
      const failure = {
        at: new Date().toISOString(),
        id: 'y',
        phase: 'clickhouse',
        message: 'FREEZE failed',
      };
      folder.lastFailure(failure);
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expectDocumented(body);
      expect(body.last_failure).toEqual(failure);
      expect(body.stale).toBe(false);
    });

    it('is stale once the newest complete run is older than BACKUP_MAX_AGE_SECONDS', async () => {
      rmSync(join(folder.dir, 'backups', ids[2], 'manifest.json'));
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expect(body.stale).toBe(true);
      expect(body.last_success.id).toBe(ids[1]);
      expect(body.last_success.age_seconds).toBeGreaterThan(86_400);
      // Give the gauges' shared read time to lapse, then they follow.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(sample(await scrape(t), 'tenantry_backup_last_success_timestamp_seconds')).toBe(
        day1.getTime() / 1000,
      );
    });

    it('has no success and is stale when no run is complete', async () => {
      for (const id of ids.slice(0, 2)) rmSync(join(folder.dir, 'backups', id, 'manifest.json'));
      const body = (await t.http.get('/admin/backups').set(adminAuth).expect(200)).body;
      expect(body).toMatchObject({
        stale: true,
        last_success: null,
        last_verified: null,
        backups: [],
      });
      expect(body.last_failure).toMatchObject({ phase: 'clickhouse' });
    });
  });
});
