import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { ExportFilesService } from '../../src/exports/export-files.service';
import { PassThrough } from 'node:stream';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { join } from 'node:path';
import { connectAs } from '../support/sql';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';
import {
  coversEverything,
  type Footprint,
  footprintOf,
  isEmpty,
  seedFootprint,
} from '../support/tenant-footprint';

/**
 * Purge everywhere: a tenant with a row in every tenant table of PostgreSQL (read from the
 * catalogue), rows in every ClickHouse table with tenant_id, and Redis keys, is purged; nothing
 * of it is left anywhere, and a neighbour seeded the same way is untouched. Then the same with
 * the purge killed (SIGKILL) half-way and resumed.
 */
describe('tenant purge', () => {
  let t: TestApp;
  let logs = '';
  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    t = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs: sink });
  });
  afterAll(() => t.close());

  async function seededTenant() {
    const tenant = await createTenant(t.http);
    await seedFootprint(tenant.id, tenant.ownerId);
    return tenant;
  }

  function expectUnchanged(before: Footprint, after: Footprint) {
    expect(after.postgres).toEqual(before.postgres);
    expect(after.clickhouse).toEqual(before.clickhouse);
    expect(after.redis).toBe(before.redis);
  }

  it('removes every row of the tenant from both stores and Redis, keeps the tombstone, and leaves a neighbour alone', async () => {
    const tenant = await seededTenant();
    const neighbour = await seededTenant();
    const seeded = await footprintOf(tenant.id);
    expect(coversEverything(seeded)).toBe(true);
    const neighbourBefore = await footprintOf(neighbour.id);
    expect(coversEverything(neighbourBefore)).toBe(true);

    // An export archive on disk for each (the files the purge's `exports` hook removes).
    const files = t.app.get(ExportFilesService);
    for (const id of [tenant.id, neighbour.id]) {
      const directory = await files.prepareTenantDirectory(id);
      await writeFile(join(directory, 'footprint.tar.gz'), 'archive');
    }

    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    const purged = await t.http
      .post(`/admin/tenants/${tenant.id}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: tenant.slug, force: true })
      .expect(200);
    expect(purged.body.purge_report.steps['hook:exports'].removed).toEqual({ files: 1 });
    expect(await readdir(files.tenantDirectory(tenant.id)).catch(() => [])).toEqual([]);
    expect(await readdir(files.tenantDirectory(neighbour.id))).toEqual(['footprint.tar.gz']);

    expect(purged.body).toMatchObject({ status: 'purged', slug: tenant.slug });
    expect(purged.body.purged_at).not.toBeNull();
    const steps = purged.body.purge_report.steps;
    // Rows removed per table and store, as counted before.
    for (const [table, n] of Object.entries(seeded.postgres)) {
      const removed =
        (steps[`postgres:${table}`]?.removed[table] ?? 0) +
        (steps['postgres:sweep']?.removed[table] ?? 0);
      expect([table, removed]).toEqual([table, expect.any(Number)]);
      expect(removed).toBeGreaterThanOrEqual(table === 'audit_log' ? 1 : n);
    }
    expect(steps.clickhouse.removed).toEqual(seeded.clickhouse);
    expect(steps.redis.removed.keys).toBe(seeded.redis);

    expect(isEmpty(await footprintOf(tenant.id))).toBe(true);
    expectUnchanged(neighbourBefore, await footprintOf(neighbour.id));

    // The tombstone keeps the slug: never reused.
    await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({ name: 'Again', slug: tenant.slug, owner_email: 'again@example.com' })
      .expect(409);
    // And it is in the platform log, which a purge never touches.
    const log = await t.http
      .get('/admin/audit-log')
      .query({ action: 'tenant.purged', limit: 50 })
      .set(adminAuth)
      .expect(200);
    expect(log.body.data.map((e: { resource_id: string }) => e.resource_id)).toContain(tenant.id);

    // Progress for operators: a log line per step naming the tenant, and the metrics.
    const stepLines = logs
      .split('\n')
      .filter((line) => line.includes('tenant purge step done') && line.includes(tenant.id));
    expect(stepLines.length).toBe(Object.keys(steps).length);
    expect(stepLines.some((line) => line.includes('"step":"postgres:events"'))).toBe(true);
    const metrics = (
      await t.http
        .get('/metrics')
        .set({ Authorization: `Bearer ${TEST_METRICS_TOKEN}` })
        .expect(200)
    ).text;
    expect(metrics).toMatch(/tenantry_tenant_purges_total\{[^}]*outcome="purged"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /tenantry_tenant_purge_removed_total\{[^}]*store="postgres"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /tenantry_tenant_purge_removed_total\{[^}]*store="clickhouse"[^}]*\} [1-9]/,
    );
  }, 120_000);

  it('resumes and finishes a purge killed half-way', async () => {
    const tenant = await seededTenant();
    const neighbour = await seededTenant();
    const neighbourBefore = await footprintOf(neighbour.id);
    const seeded = await footprintOf(tenant.id);
    await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);

    // A process purging the tenant, stopped for good (SIGKILL) in a purge step that never ends,
    // after the PostgreSQL and ClickHouse steps and before Redis.
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(__dirname, '../../scripts/swc-register.js'),
        join(__dirname, 'stalling-purge.ts'),
      ],
      {
        env: { ...process.env, LOG_LEVEL: 'silent', PURGE_TENANT_ID: tenant.id },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 60_000;
    while (!output.includes('STALLED') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Stalled but alive: it holds the lease, so no second purge runs beside it.
    const purge = () =>
      t.http
        .post(`/admin/tenants/${tenant.id}/purge`)
        .set(adminAuth)
        .send({ confirm_slug: tenant.slug });
    const busy = await purge().expect(409);
    expect(busy.body.message).toMatch(/already running/);
    child.kill('SIGKILL');
    expect({ signal: await exited, output: output.slice(0, 500) }).toMatchObject({
      signal: 'SIGKILL',
    });
    expect(output).toContain('STALLED');
    // Half-way: status purging, its progress persisted, its tables empty, its Redis keys not.
    const owner = await connectAs('owner');
    try {
      const { rows } = await owner.query<{ status: string; steps: string[] }>(
        "SELECT status, ARRAY(SELECT jsonb_object_keys(purge_state->'steps')) AS steps FROM tenants WHERE id = $1",
        [tenant.id],
      );
      expect(rows[0].status).toBe('purging');
      expect(rows[0].steps).toEqual(
        expect.arrayContaining(['jobs', 'clickhouse', 'postgres:events', 'postgres:sweep']),
      );
      expect(rows[0].steps).not.toContain('redis');
    } finally {
      await owner.end();
    }
    const halfway = await footprintOf(tenant.id);
    expect(Object.values(halfway.postgres).every((n) => n === 0)).toBe(true);
    expect(halfway.redis).toBe(seeded.redis);

    // Its lease went with its connection: the operator's purge (or the job) resumes it at once,
    // as with main's session lock; no force needed for a purge under way.
    const resumed = await purge().expect(200);
    expect(resumed.body.status).toBe('purged');
    expect(resumed.body.purge_report.steps.clickhouse.removed).toEqual(seeded.clickhouse);
    expect(resumed.body.purge_report.steps.redis.removed.keys).toBe(seeded.redis);
    expect(isEmpty(await footprintOf(tenant.id))).toBe(true);
    expectUnchanged(neighbourBefore, await footprintOf(neighbour.id));
  }, 120_000);

  it('the job purges tenants past their grace, not those within it', async () => {
    const due = await seededTenant();
    const within = await seededTenant();
    for (const tenant of [due, within]) {
      await t.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
    }
    const owner = await connectAs('owner');
    try {
      await owner.query(
        "UPDATE tenants SET purge_after = now() - interval '1 minute' WHERE id = $1",
        [due.id],
      );
    } finally {
      await owner.end();
    }
    const withinBefore = await footprintOf(within.id);
    const { TenantPurgeService } = await import('../../src/tenancy/lifecycle/tenant-purge.service');
    const result = await t.app.get(TenantPurgeService).purgeDue();
    expect(result.failed).toBe(0);
    expect(result.purged).toBeGreaterThanOrEqual(1);
    const states = await t.http.get(`/admin/tenants/${due.id}`).set(adminAuth).expect(200);
    expect(states.body.status).toBe('purged');
    expect(isEmpty(await footprintOf(due.id))).toBe(true);
    const still = await t.http.get(`/admin/tenants/${within.id}`).set(adminAuth).expect(200);
    expect(still.body.status).toBe('pending_deletion');
    expectUnchanged(withinBefore, await footprintOf(within.id));
  }, 120_000);

  describe('on the embedded default (PostgreSQL events, no Redis, no ClickHouse)', () => {
    const places = { clickhouse: false, redis: false };
    let embedded: TestApp;
    beforeAll(async () => {
      embedded = await createTestApp({
        env: { CLICKHOUSE_URL: '', REDIS_URL: '', KAFKA_BROKERS: '' },
      });
    });
    afterAll(() => embedded.close());

    it('purges every PostgreSQL table of the tenant, events included, and leaves a neighbour alone', async () => {
      const tenant = await createTenant(embedded.http);
      const neighbour = await createTenant(embedded.http);
      await seedFootprint(tenant.id, tenant.ownerId, places);
      await seedFootprint(neighbour.id, neighbour.ownerId, places);
      expect(coversEverything(await footprintOf(tenant.id, places), places)).toBe(true);
      const neighbourBefore = await footprintOf(neighbour.id, places);

      await embedded.http.delete(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200);
      const purged = await embedded.http
        .post(`/admin/tenants/${tenant.id}/purge`)
        .set(adminAuth)
        .send({ confirm_slug: tenant.slug, force: true })
        .expect(200);
      expect(purged.body.status).toBe('purged');
      expect(purged.body.purge_report.steps['postgres:events'].removed.events).toBe(1);
      expect(purged.body.purge_report.steps.clickhouse.removed).toEqual({});
      expect(purged.body.purge_report.steps.redis.removed.keys).toBe(0);
      expect(isEmpty(await footprintOf(tenant.id, places))).toBe(true);
      expectUnchanged(neighbourBefore, await footprintOf(neighbour.id, places));

      // The hourly job runs as an in-process timer here.
      const jobs = await embedded.http.get('/health/jobs').expect(200);
      expect(
        jobs.body.details.scheduled_jobs.jobs.find(
          (j: { job: string }) => j.job === 'tenant-purge',
        ),
      ).toMatchObject({ runner: 'timer', schedule: 'every 3600s' });
    }, 120_000);
  });
});
