import { getQueueToken } from '@nestjs/bullmq';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { sha256Hex } from '../../src/common/sha256';
import { epochKey } from '../../src/jobs/redis-epoch';
import { REDIS_REBUILDS, RedisRebuildService } from '../../src/jobs/redis-rebuild.service';
import { ScheduledJobRegistry } from '../../src/jobs/scheduled-job.registry';
import { monthOf, QuotaService, type QuotaTenant } from '../../src/billing/quota/quota.service';
import { EXPORT_RUN_QUEUE } from '../../src/exports/export-run.queue';
import { ERASURE_QUEUE } from '../../src/privacy/erasure.job';
import { until } from '../privacy/privacy-support';
import { deleteRedisNamespace } from '../support/redis-namespace';
import { connectAs } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

const DATABASE = process.env.DATABASE_NAME!;
const quietChecks = { KAFKA_BROKERS: '', REDIS_REBUILD_CHECK_SECONDS: '3600' };

/**
 * Redis losing everything while the app runs, on the real Redis: only this test database's keys
 * are removed (never FLUSHDB: other runs share the server), then one check puts back every
 * repeatable schedule and the unfinished erasure's pass, once; a queued export's run is
 * dispatched again and the month's quota warnings are not sent a second time.
 */
describe('Redis rebuild after an empty Redis', () => {
  let t: TestApp;
  let redis: Redis;
  let service: RedisRebuildService;
  let tenantId: string;
  let erasureId: string;

  const rebuilds = async () =>
    (await t.app.get<Counter<string>>(getToken(REDIS_REBUILDS)).get()).values[0]?.value ?? 0;

  const wipeNamespace = () => deleteRedisNamespace(redis, DATABASE);

  beforeAll(async () => {
    // The tests call check() themselves; the app's own periodic one (30 s) could otherwise
    // rebuild between a test's wipe and its check.
    t = await createTestApp({ env: quietChecks });
    redis = new Redis(process.env.REDIS_URL!);
    service = t.app.get(RedisRebuildService);
    // The first contact only claims the epoch; the checks below must come after it.
    await until(
      async () => service.hasContactedRedis,
      (contacted) => contacted,
    );
    // An erasure whose first pass is done and whose recheck is due tomorrow: unfinished, and its
    // job (delayed) stays in the queue for the test to find.
    tenantId = (await createTenant(t.http)).id;
    const app = await connectAs('app');
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      ({
        rows: [{ id: erasureId }],
      } = await app.query<{ id: string }>(
        `INSERT INTO erasure_requests (tenant_id, user_id, subject_digest, requested_by_type, cutoff,
                                       status, started_at, completed_at, recheck_after)
         VALUES ($1, 'u-rebuild', $2, 'user', now(), 'completed', now(), now(),
                 now() + interval '1 day')
         RETURNING id`,
        [tenantId, sha256Hex(`${tenantId}:u-rebuild`)],
      ));
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
  });

  afterAll(async () => {
    // The recheck done, so no later boot of this database queues it again.
    const app = await connectAs('app');
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await app.query('UPDATE erasure_requests SET rechecked_at = now() WHERE id = $1', [
        erasureId,
      ]);
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    await t.app
      .get<Queue>(getQueueToken(ERASURE_QUEUE))
      .remove(`${erasureId}-recheck`)
      .catch(() => undefined);
    redis.disconnect();
    await t.close();
  });

  it('rebuilds every schedule and the unfinished erasure once the epoch has gone', async () => {
    const schedules = t.app.get(ScheduledJobRegistry).schedules;
    expect(schedules.length).toBeGreaterThanOrEqual(5);
    const erasures = t.app.get<Queue>(getQueueToken(ERASURE_QUEUE));
    const before = await rebuilds();

    expect(await wipeNamespace()).toBeGreaterThan(0);
    expect(await redis.exists(epochKey(DATABASE))).toBe(0);
    for (const { queue } of schedules) expect(await queue.getJobSchedulers()).toEqual([]);
    expect(await erasures.getJob(`${erasureId}-recheck`)).toBeUndefined();

    expect(await service.check()).toBe('rebuilt');

    for (const { job, queue } of schedules) {
      const keys = (await queue.getJobSchedulers()).map((scheduler) => scheduler.key);
      expect({ queue: job.queue, keys }).toEqual({ queue: job.queue, keys: [job.schedulerId] });
    }
    const recheck = await erasures.getJob(`${erasureId}-recheck`);
    expect(recheck?.data).toMatchObject({ erasureId, pass: 'recheck' });
    expect(await recheck?.getState()).toBe('delayed');
    expect(await redis.exists(epochKey(DATABASE))).toBe(1);
    expect(await rebuilds()).toBe(before + 1);
  });

  it('dispatches a queued export again and keeps a sent quota warning from repeating', async () => {
    const tenant = await createTenant(t.http, { tier: 'starter' });
    const quota = t.app.get(QuotaService);
    const { month } = monthOf(new Date());
    const marker = `tenantry:${DATABASE}:quota:warned:${tenant.id}:${month}:80`;
    // A quota of 10: reserving 8 crosses the 80% warning, once.
    await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({ events_per_month: 10 })
      .expect(200);
    const owner = await connectAs('owner');
    let quotaTenant: QuotaTenant;
    try {
      const {
        rows: [row],
      } = await owner.query<{ tier: string; plan_id: string; plan_overrides: object }>(
        'SELECT tier, plan_id, plan_overrides FROM tenants WHERE id = $1',
        [tenant.id],
      );
      quotaTenant = {
        id: tenant.id,
        tier: row.tier,
        planId: row.plan_id,
        planOverrides: row.plan_overrides,
      } as QuotaTenant;
    } finally {
      await owner.end();
    }
    const warnings = async () =>
      (
        await t.http
          .get('/v1/audit-log?action=usage.quota_warning&limit=100')
          .set(bearer(tenantToken(tenant.id)))
          .expect(200)
      ).body.data.length as number;
    expect(await quota.reserve(quotaTenant, 8)).toMatchObject({ granted: 8, used: 8, quota: 10 });
    expect(await warnings()).toBe(1);
    // The events were not accepted after all: the counter goes back below the threshold.
    await quota.release(tenant.id, 8, new Date());

    // An export whose row is queued but whose job is not (the job went with Redis).
    const app = await connectAs('app');
    let exportId: string;
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
      ({
        rows: [{ id: exportId }],
      } = await app.query<{ id: string }>(
        `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to)
         VALUES ($1, 'user', now() - interval '1 day', now()) RETURNING id`,
        [tenant.id],
      ));
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    const exportRuns = t.app.get<Queue>(getQueueToken(EXPORT_RUN_QUEUE));

    await wipeNamespace();
    expect(await redis.exists(marker)).toBe(0);
    expect(await exportRuns.getJob(exportId)).toBeUndefined();

    expect(await service.check()).toBe('rebuilt');

    expect(await redis.exists(marker)).toBe(1);
    expect((await exportRuns.getJob(exportId))?.data).toEqual({ tenantId: tenant.id, exportId });
    // The worker takes it like any export run.
    const status = async () =>
      (
        await t.http
          .get(`/v1/exports/${exportId}`)
          .set(bearer(tenantToken(tenant.id)))
          .expect(200)
      ).body.status as string;
    expect(await until(status, (value) => value === 'completed' || value === 'failed')).toBe(
      'completed',
    );

    // Crossing 80% again this month (a cold counter seeds from usage_daily: 0 stored) warns no more.
    expect(await quota.reserve(quotaTenant, 8)).toMatchObject({ granted: 8, used: 8 });
    expect(await warnings()).toBe(1);
    await quota.release(tenant.id, 8, new Date());
  });

  it('does nothing while the epoch is present', async () => {
    const before = await rebuilds();
    const epoch = await redis.get(epochKey(DATABASE));
    expect(await service.check()).toBe('unchanged');
    expect(await service.check()).toBe('unchanged');
    expect(await rebuilds()).toBe(before);
    expect(await redis.get(epochKey(DATABASE))).toBe(epoch);
  });

  it('lets one copy rebuild when two check at once (the SET NX of the new epoch decides)', async () => {
    const second = await createTestApp({ env: quietChecks });
    try {
      const other = second.app.get(RedisRebuildService);
      await until(
        async () => other.hasContactedRedis,
        (contacted) => contacted,
      );
      const before = await rebuilds();
      await wipeNamespace();
      const outcomes = await Promise.all([service.check(), other.check()]);
      expect(outcomes.sort()).toEqual(['rebuilt', 'unchanged']);
      // Both apps count in the one prom-client registry of this process.
      expect(await rebuilds()).toBe(before + 1);
    } finally {
      await second.close();
    }
  });

  it("does the same at boot, for a restored stack's empty Redis", async () => {
    const tenant = await createTenant(t.http);
    const { month } = monthOf(new Date());
    const marker = `tenantry:${DATABASE}:quota:warned:${tenant.id}:${month}:100`;
    const app = await connectAs('app');
    let exportId: string;
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
      ({
        rows: [{ id: exportId }],
      } = await app.query<{ id: string }>(
        `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to)
         VALUES ($1, 'user', now() - interval '1 day', now()) RETURNING id`,
        [tenant.id],
      ));
      await app.query(
        `INSERT INTO audit_log (tenant_id, actor_type, action, resource_type, details)
         VALUES ($1, 'anonymous', 'usage.quota_warning', 'event_quota', $2)`,
        [tenant.id, { threshold: 100, month }],
      );
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    const exportRuns = t.app.get<Queue>(getQueueToken(EXPORT_RUN_QUEUE));
    expect(await exportRuns.getJob(exportId)).toBeUndefined();
    expect(await redis.exists(marker)).toBe(0);

    const restarted = await createTestApp({ env: { KAFKA_BROKERS: '' } });
    try {
      expect(
        await until(
          () => redis.exists(marker),
          (n) => n === 1,
        ),
      ).toBe(1);
      const job = await until(
        () => exportRuns.getJob(exportId),
        (found) => found !== undefined,
      );
      expect(job?.data).toEqual({ tenantId: tenant.id, exportId });
    } finally {
      await restarted.close();
    }
  });

  it('does nothing without REDIS_URL', async () => {
    const embedded = await createTestApp({ env: { KAFKA_BROKERS: '', REDIS_URL: '' } });
    try {
      expect(await embedded.app.get(RedisRebuildService).check()).toBe('skipped');
    } finally {
      await embedded.close();
    }
  });
});
