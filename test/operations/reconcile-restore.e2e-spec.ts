import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Client } from 'pg';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { DataSource } from 'typeorm';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { stringLiteral, uuidLiteral } from '../../src/ingestion/store/clickhouse/sql-literal';
import { subjectDigest } from '../../src/privacy/erasures.service';
import { isolationGate } from '../../src/restore/reconcile-restore';
import { connectAs } from '../support/sql';
import { adminAuth, createTenant, createTestApp, type TestApp } from '../support/test-app';

const MINUTE = 60_000;

/** The printed summary (a ReconcileSummary), read loosely: a test picks the steps' results by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Printed = any;

/** Runs the CLI as restore.sh does, with this test's environment; its exit code and summary. */
function reconcile(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; summary: Printed; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', './scripts/swc-register.js', 'src/cli/reconcile-restore.ts', ...args],
      { env: { ...process.env, KAFKA_BROKERS: '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        let summary: Printed = null;
        try {
          summary = JSON.parse(stdout);
        } catch {
          // Nothing printed: the assertions on the exit code and stderr say why.
        }
        resolve({ code, summary, stderr });
      },
    );
  });
}

/**
 * The reconciliation after a restore, against the real PostgreSQL, ClickHouse and Redis: the
 * ClickHouse snapshot predates a tenant purge and two erasures, so their rows are back; the CLI
 * (run as a child process, as restore.sh runs it) removes exactly those, leaves everyone
 * else's, drops the computed Redis keys, and fails when the isolation report has a problem.
 */
describe('reconcile-restore', () => {
  let t: TestApp;
  let clickhouse: ClickHouseEventStore;
  let owner: Client;
  let redis: Redis;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const since = new Date(now - 60 * MINUTE);
  let purged: string;
  let keep: string;
  let other: string;

  const row = (tenantId: string, userId: string, at: number, eventType = 'view'): EventRow => ({
    tenantId,
    eventId: randomUUID(),
    eventType,
    timestamp: new Date(at),
    userId,
    sessionId: `${userId}-s`,
    properties: {},
    receivedAt: new Date(at),
  });

  const count = async (tenantId: string, userId?: string) => {
    const where = [`tenant_id = ${uuidLiteral(tenantId)}`];
    if (userId !== undefined) where.push(`user_id = ${stringLiteral(userId)}`);
    const [result] = await clickhouse.writerSelect<{ n: string }>(
      `SELECT count() AS n FROM ${clickhouse.database}.events WHERE ${where.join(' AND ')}`,
    );
    return Number(result.n);
  };

  /** A completed erasure as its row looks once done: the user id gone, the digest kept. */
  async function completedErasure(tenantId: string, userId: string, cutoff: number, done: number) {
    await owner.query('BEGIN');
    await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    await owner.query(
      `INSERT INTO erasure_requests (tenant_id, subject_digest, status, requested_by_type,
                                     cutoff, started_at, completed_at, rechecked_at)
       VALUES ($1, $2, 'completed', 'user', $3, $3, $4, $4)`,
      [tenantId, subjectDigest(tenantId, userId), new Date(cutoff), new Date(done)],
    );
    await owner.query('COMMIT');
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '' } });
    owner = await connectAs('owner');
    redis = new Redis(process.env.REDIS_URL!);
    clickhouse = new ClickHouseEventStore(
      process.env.CLICKHOUSE_URL!,
      process.env.CLICKHOUSE_DATABASE!,
      {
        writer: {
          username: process.env.CLICKHOUSE_WRITER_USER!,
          password: process.env.CLICKHOUSE_WRITER_PASSWORD,
        },
      },
    );
    const gone = await createTenant(t.http);
    purged = gone.id;
    keep = (await createTenant(t.http)).id;
    other = (await createTenant(t.http)).id;
    await t.http.delete(`/admin/tenants/${purged}`).set(adminAuth).expect(200);
    await t.http
      .post(`/admin/tenants/${purged}/purge`)
      .set(adminAuth)
      .send({ confirm_slug: gone.slug, force: true })
      .expect(200);
    // The ClickHouse snapshot, attached: taken before the purge and before one erasure.
    await clickhouse.write([
      ...Array.from({ length: 4 }, () => row(purged, 'p1', now - 90 * MINUTE)),
      ...Array.from({ length: 3 }, () => row(keep, 'u1', now - 30 * MINUTE)),
      // Sent after the erasure's cut-off: not the erasure's to remove.
      row(keep, 'u1', now - 5 * MINUTE),
      ...Array.from({ length: 2 }, () => row(keep, 'u2', now - 30 * MINUTE)),
      ...Array.from({ length: 2 }, () => row(keep, 'u3', now - 240 * MINUTE)),
      ...Array.from({ length: 2 }, () => row(other, 'u1', now - 30 * MINUTE)),
    ]);
    // u1's erasure completed after the snapshot; u3's before it (its rows stand for what a
    // later snapshot legitimately holds, so it is not run again).
    await completedErasure(keep, 'u1', now - 15 * MINUTE, now - 10 * MINUTE);
    await completedErasure(keep, 'u3', now - 180 * MINUTE, now - 120 * MINUTE);
  }, 60_000);

  afterAll(async () => {
    await owner.query('DROP TABLE IF EXISTS reconcile_gate_probe');
    await owner.query('DELETE FROM ingestion_replay_marks');
    await owner.end();
    redis.disconnect();
    await clickhouse.close();
    await t.close();
  });

  it('removes a purged tenant’s rows and an erasure’s events again, and drops computed Redis keys', async () => {
    const ns = `tenantry:${process.env.DATABASE_NAME}:`;
    const otherNs = `tenantry:${process.env.DATABASE_NAME}_elsewhere:`;
    const doomed = [
      `${ns}analytics:cache:${keep}:funnel:abc`,
      `${ns}analytics:versions:${keep}`,
      `${ns}quota:${keep}:2026-11`,
    ];
    const kept = [
      `${ns}quota:warned:${keep}:2026-11:80`,
      `${ns}analytics:slots:${keep}`,
      `${otherNs}quota:${keep}:2026-11`,
    ];
    for (const key of [...doomed, ...kept]) await redis.set(key, '1', 'EX', 600);

    const { code, summary, stderr } = await reconcile(['--since', since.toISOString()]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary).toMatchObject({
      ok: true,
      since: since.toISOString(),
      // Other suites share this database: their purged tenants and completed erasures count too
      // (their rows are gone already), so the counts of requests are at least ours.
      purged_tenants: { tenants: expect.any(Number), rows_removed: { events: 4 } },
      erasures: { store: 'clickhouse', completed_since: expect.any(Number), events_removed: 3 },
      isolation: { verdict: 'ok', problems: [] },
      replay_marks: { cleared: expect.any(Number) },
      failures: [],
    });
    expect(summary.purged_tenants.tenants).toBeGreaterThanOrEqual(1);
    expect(summary.erasures.completed_since).toBeGreaterThanOrEqual(1);
    expect(summary.retention.tenants).toBeGreaterThanOrEqual(3);
    expect(summary.redis.keys_deleted[`${ns}quota:*`]).toBeGreaterThanOrEqual(1);

    expect(await count(purged)).toBe(0);
    expect(await count(keep, 'u1')).toBe(1);
    expect(await count(keep, 'u2')).toBe(2);
    expect(await count(keep, 'u3')).toBe(2);
    expect(await count(other, 'u1')).toBe(2);
    for (const key of doomed) expect(await redis.exists(key)).toBe(0);
    for (const key of kept) expect(await redis.exists(key)).toBe(1);
    const { rows } = await owner.query(
      "SELECT details FROM platform_audit_log WHERE action = 'restore.reconciled' ORDER BY at DESC LIMIT 1",
    );
    expect(rows[0].details).toMatchObject({ ok: true });

    // Idempotent: a second run finds nothing left to remove.
    const again = await reconcile(['--since', since.toISOString()]);
    expect(again.code).toBe(0);
    expect(again.summary).toMatchObject({
      purged_tenants: { rows_removed: { events: 0 } },
      erasures: { completed_since: expect.any(Number), events_removed: 0 },
    });
  }, 180_000);

  it('makes the erasure again in the PostgreSQL event store, where a Kafka replay brought its events back', async () => {
    const postgres = new PostgresEventStore(t.app.get(TenantContext), t.app.get(DataSource));
    await postgres.prepare();
    // What a replay from the snapshot's offsets stores again after the restore.
    await postgres.write([
      ...Array.from({ length: 3 }, () => row(keep, 'u1', now - 30 * MINUTE, 'pg')),
      row(keep, 'u1', now - 5 * MINUTE, 'pg'),
      ...Array.from({ length: 2 }, () => row(keep, 'u2', now - 30 * MINUTE, 'pg')),
      ...Array.from({ length: 2 }, () => row(other, 'u1', now - 30 * MINUTE, 'pg')),
    ]);
    const inPostgres = async (tenantId: string, userId: string) => {
      await owner.query('BEGIN');
      try {
        await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        const { rows } = await owner.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM events WHERE event_type = 'pg' AND user_id = $1",
          [userId],
        );
        return rows[0].n;
      } finally {
        await owner.query('ROLLBACK');
      }
    };
    expect(await inPostgres(keep, 'u1')).toBe(4);

    const { code, summary, stderr } = await reconcile(['--since', since.toISOString()], {
      EVENT_STORE: 'postgres',
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary).toMatchObject({
      purged_tenants: { skipped: 'ClickHouse is not the event store' },
      erasures: { store: 'postgres', completed_since: expect.any(Number), events_removed: 3 },
    });
    expect(summary.erasures.completed_since).toBeGreaterThanOrEqual(1);
    expect(await inPostgres(keep, 'u1')).toBe(1);
    expect(await inPostgres(keep, 'u2')).toBe(2);
    expect(await inPostgres(other, 'u1')).toBe(2);
  }, 120_000);

  it('fails when the isolation report finds a problem, and still writes the replay marks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-'));
    const report = join(dir, 'reset-20261130T142500Z.json');
    await writeFile(
      report,
      JSON.stringify({
        before: {
          'tenantry-ingestion': {
            topic: 'tenant_events',
            partitions: {
              '0': { committed: '1234', low: '0', high: '1300' },
              '1': { committed: '-1', low: '0', high: '0' },
            },
          },
        },
      }),
    );
    // A tenant table without its isolation: the catalogue finds it.
    await owner.query('CREATE TABLE reconcile_gate_probe (tenant_id uuid NOT NULL)');
    try {
      const { code, summary } = await reconcile([
        '--since',
        since.toISOString(),
        '--replay-marks',
        report,
      ]);
      expect(code).toBe(1);
      expect(summary.ok).toBe(false);
      expect(summary.isolation.verdict).toBe('problems');
      expect(summary.failures.join('\n')).toMatch(
        /isolation: table public.reconcile_gate_probe: FORCE ROW LEVEL SECURITY is off/,
      );
      expect(summary.replay_marks).toEqual({ restore_id: 'reset-20261130T142500Z', marks: 1 });
      const { rows } = await owner.query(
        'SELECT topic, partition, until_offset::text AS until_offset, restore_id FROM ingestion_replay_marks',
      );
      expect(rows).toEqual([
        {
          topic: 'tenant_events',
          partition: 0,
          until_offset: '1234',
          restore_id: 'reset-20261130T142500Z',
        },
      ]);
    } finally {
      await owner.query('DROP TABLE reconcile_gate_probe');
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('writes the marks alone with --replay-marks-only, replacing an earlier restore’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-'));
    const report = join(dir, 'reset.json');
    await writeFile(
      report,
      JSON.stringify({
        before: { g: { topic: 'tenant_events', partitions: { '2': { committed: '9' } } } },
      }),
    );
    try {
      const { code, summary } = await reconcile([
        '--replay-marks',
        report,
        '--restore-id',
        'second',
        '--replay-marks-only',
      ]);
      expect({ code, summary }).toEqual({
        code: 0,
        summary: { ok: true, replay_marks: { restore_id: 'second', marks: 1 } },
      });
      const { rows } = await owner.query(
        'SELECT partition, until_offset::text AS until_offset, restore_id FROM ingestion_replay_marks',
      );
      expect(rows).toEqual([{ partition: 2, until_offset: '9', restore_id: 'second' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a --since that is not an ISO time with its zone, before touching anything', async () => {
    const { code, stderr } = await reconcile(['--since', '2026-11-30 14:25']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--since must be an ISO time/);
  }, 30_000);

  it('gates on the report’s verdict', () => {
    expect(isolationGate({ verdict: 'ok', problems: [] })).toEqual([]);
    expect(
      isolationGate({ verdict: 'problems', problems: ['table x: RLS is not forced'] }),
    ).toEqual(['table x: RLS is not forced']);
  });
});
