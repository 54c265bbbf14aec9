import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Client } from 'pg';
import { PostgresRollupRefresher } from '../../src/analytics/rollups/postgres-rollup.refresher';
import { QuotaWarningsRepository } from '../../src/billing/quota/quota-warnings.repository';
import { DueCustomDomainsRepository } from '../../src/branding/domains/rechecks/due-custom-domains.repository';
import { PlacementDirectory } from '../../src/database/placements/placement';
import { PlacementCacheDirectory } from '../../src/database/placements/placement-cache.directory';
import { QueuedExportsRepository } from '../../src/exports/queued-exports.repository';
import { SilentTenantsRepository } from '../../src/health/silent-tenants/silent-tenants.repository';
import { TenantIntakeRepository } from '../../src/health/tenant-health/tenant-intake.repository';
import { PlatformInvoicesRepository } from '../../src/billing/invoices/platform-invoices.repository';
import { UnfinishedErasuresRepository } from '../../src/privacy/unfinished-erasures.repository';
import { requireSilo, SILO_PLACEMENT } from '../support/placements';
import { asTenant, connectAs } from '../support/sql';
import { adminAuth, createTenant, createTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 18, the cross-tenant readers fan out: each platform_*() reader runs in the control
 * database and in every other placement database, and a tenant's rows are kept only from the
 * database control places it in. Four tenants, their rows written straight into each database:
 * - pooled: rows in control only; siloed: rows in silo-1 only (the old readers missed it);
 * - movedOut: lives on silo-1, with a move's leftovers still in control (other values);
 * - movingIn: lives in control, with a copy made ahead of a move in silo-1 (other values).
 * Every reader lists each of them once, with its own database's values. All rows are dated
 * 2019, far from anything the other suites write.
 */
describe('cross-tenant readers across placements (fan-out)', () => {
  let app: TestApp;
  let logs = '';
  let control: Client;
  let silo: Client;
  const tenants: Record<'pooled' | 'siloed' | 'movedOut' | 'movingIn', string> = {
    pooled: '',
    siloed: '',
    movedOut: '',
    movingIn: '',
  };
  /** Where each tenant's own rows are, and where its stray copy is (if it has one). */
  let homeOf: (tenant: keyof typeof tenants) => Client;
  let strayOf: (tenant: keyof typeof tenants) => Client | undefined;
  /** One value per tenant (its own rows), and another for its stray copy. */
  const own = { pooled: 1, siloed: 2, movingIn: 3, movedOut: 4 };
  const stray = { movingIn: 8, movedOut: 9 };
  const order = ['pooled', 'siloed', 'movingIn', 'movedOut'] as const;
  /** Ids of the rows written, per tenant: its own and its stray copy's. */
  const ids = {
    erasures: {} as Record<string, { own: string; stray?: string }>,
    exports: {} as Record<string, { own: string; stray?: string }>,
    domains: {} as Record<string, { own: string; stray?: string }>,
  };

  /** Writes as the database owner inside the tenant's RLS scope, committed. */
  async function write(db: Client, tenantId: string, text: string, values: unknown[]) {
    await db.query('BEGIN');
    try {
      await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await db.query(text, values);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  }

  /** The same rows for each tenant: its own copy at `own`, a stray copy at `stray`. */
  async function seed(
    text: string,
    values: (tenantId: string, value: number, copy: 'own' | 'stray') => unknown[],
  ): Promise<void> {
    for (const name of order) {
      const id = tenants[name];
      await write(homeOf(name), id, text, values(id, own[name], 'own'));
      const strayDb = strayOf(name);
      if (strayDb) {
        await write(strayDb, id, text, values(id, stray[name as keyof typeof stray], 'stray'));
      }
    }
  }

  /** The rows of our four tenants, in the order the reader returned them. */
  const ours = <T>(rows: T[], tenantOf: (row: T) => string) =>
    rows.filter((row) => Object.values(tenants).includes(tenantOf(row)));
  const nameOf = (tenantId: string) =>
    (Object.keys(tenants) as (keyof typeof tenants)[]).find((name) => tenants[name] === tenantId);

  beforeAll(async () => {
    requireSilo();
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    // The PostgreSQL event store (its rollup refresher), no Kafka: nothing here needs them.
    app = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', LOG_LEVEL: 'info' },
      logs: sink,
    });
    control = await connectAs('owner', 'control');
    silo = await connectAs('owner', 'silo-1');
    tenants.pooled = (await createTenant(app.http, { tier: 'enterprise' })).id;
    tenants.siloed = (
      await createTenant(app.http, { tier: 'enterprise', placement: SILO_PLACEMENT })
    ).id;
    tenants.movedOut = (
      await createTenant(app.http, { tier: 'enterprise', placement: SILO_PLACEMENT })
    ).id;
    tenants.movingIn = (await createTenant(app.http, { tier: 'enterprise' })).id;
    homeOf = (name) => (name === 'siloed' || name === 'movedOut' ? silo : control);
    strayOf = (name) => (name === 'movedOut' ? control : name === 'movingIn' ? silo : undefined);
    // The copy ahead of a move needs the tenant's row in silo-1, as the mover writes it.
    const [{ row }] = (
      await control.query('SELECT row_to_json(t) AS row FROM tenants t WHERE id = $1', [
        tenants.movingIn,
      ])
    ).rows as { row: object }[];
    await silo.query(
      'INSERT INTO tenants SELECT * FROM json_populate_record(NULL::tenants, $1::json)',
      [JSON.stringify(row)],
    );

    await seed(
      `INSERT INTO invoices (tenant_id, sequence_number, number, period_start, period_end, lines,
                             events_included, events_used, events_overage, total_cents)
       VALUES ($1, 1, $2, '2019-03-01Z', '2019-04-01Z', '[]', 0, $3::int, 0, $3::int * 1000)`,
      (id, value, copy) => [id, `FAN-${copy}-${value}`, value],
    );
    await seed(
      `INSERT INTO query_costs (tenant_id, at, kind, route, store, duration_ms, rows_read,
                                bytes_read, cost)
       VALUES ($1, '2019-03-10Z', 'query', '/v1/analytics', 'postgres', 1, 1, 1, $2)`,
      (id, value) => [id, value],
    );
    await seed(
      `INSERT INTO audit_log (tenant_id, actor_type, action, resource_type, details)
       VALUES ($1, 'anonymous', 'usage.quota_warning', 'usage',
               jsonb_build_object('month', '2019-03', 'threshold', $2::int * 10))`,
      (id, value) => [id, value],
    );
    // Events on each of the 7 days before 2019-03-19, none since: silent at 2019-03-20 12:00.
    await seed(
      `INSERT INTO usage_daily (tenant_id, day, events_accepted, last_accepted_at)
       SELECT $1, day, $2::int, day + make_interval(hours => $2::int)
         FROM generate_series('2019-03-12'::date, '2019-03-18'::date, '1 day') AS day`,
      (id, value) => [id, value],
    );
    for (const [kind, text] of [
      [
        'erasures',
        `INSERT INTO erasure_requests (tenant_id, id, user_id, subject_digest, requested_by_type,
                                       cutoff, created_at)
         VALUES ($1, $2, 'fan-out-user', repeat('a', 64), 'platform_admin', '2019-03-01Z',
                 '2019-03-01Z'::timestamptz + make_interval(mins => $3::int))`,
      ],
      [
        'exports',
        `INSERT INTO data_exports (tenant_id, id, requested_by_type, range_from, range_to,
                                   created_at)
         VALUES ($1, $2, 'platform_admin', '2019-01-01Z', '2019-02-01Z',
                 '2019-03-01Z'::timestamptz + make_interval(mins => $3::int))`,
      ],
      [
        'domains',
        `INSERT INTO custom_domains (tenant_id, id, hostname, verification_token, status,
                                     verified_at, last_checked_at)
         VALUES ($1, $2, 'fanout-' || $2::uuid::text || '.example', 'token', 'verified', '2019-03-01Z',
                 '2019-03-01Z'::timestamptz + make_interval(mins => $3::int))`,
      ],
    ] as const) {
      await seed(text, (id, value, copy) => {
        const rowId = randomUUID();
        ids[kind][id] = { ...ids[kind][id], [copy]: rowId };
        return [id, rowId, value];
      });
    }
    // Stale rollup days: a tenant's own on 1 March + its value, its stray copy's on a later day.
    await seed(
      "INSERT INTO event_rollup_days (tenant_id, day) VALUES ($1, '2019-03-01'::date + $2::int)",
      (id, value) => [id, value],
    );
  });

  afterAll(async () => {
    await control?.end();
    await silo?.end();
    await app?.close();
  });

  it('lists every tenant in the invoices of a period, each once, largest first (admin list)', async () => {
    const { body } = await app.http
      .get('/admin/invoices')
      .query({ period: '2019-03' })
      .set(adminAuth)
      .expect(200);
    const rows = ours(
      body.data as { tenant_id: string; total_cents: number }[],
      (r) => r.tenant_id,
    );
    expect(rows.map((row) => [nameOf(row.tenant_id), row.total_cents])).toEqual([
      ['movedOut', 4000],
      ['movingIn', 3000],
      ['siloed', 2000],
      ['pooled', 1000],
    ]);
    // Each database is asked for `limit`; the merged list is sorted again and cut.
    const top = await app.app
      .get(PlatformInvoicesRepository)
      .forPeriod(new Date('2019-03-01T00:00:00Z'), 2);
    expect(top.map((row) => nameOf(row.tenant_id))).toEqual(['movedOut', 'movingIn']);
  });

  it('attributes query costs to every tenant, each once, costliest first (admin list)', async () => {
    const { body } = await app.http
      .get('/admin/cost-attribution')
      .query({ from: '2019-03-01T00:00:00Z', to: '2019-04-01T00:00:00Z', limit: 2 })
      .set(adminAuth)
      .expect(200);
    const rows = body.data as { tenant_id: string; estimated_cost: number; queries: number }[];
    expect(rows.map((row) => [nameOf(row.tenant_id), row.estimated_cost, row.queries])).toEqual([
      ['movedOut', 4, 1],
      ['movingIn', 3, 1],
    ]);
    const all = await app.http
      .get('/admin/cost-attribution')
      .query({ from: '2019-03-01T00:00:00Z', to: '2019-04-01T00:00:00Z' })
      .set(adminAuth)
      .expect(200);
    expect(
      ours(all.body.data as { tenant_id: string }[], (r) => r.tenant_id).map((r) =>
        nameOf(r.tenant_id),
      ),
    ).toEqual(['movedOut', 'movingIn', 'siloed', 'pooled']);
  });

  it('reads every tenant’s quota warnings, each tenant’s own once', async () => {
    const sent = await app.app.get(QuotaWarningsRepository).sentIn('2019-03', 1000);
    expect(
      ours(sent, (w) => w.tenantId)
        .map((w) => [nameOf(w.tenantId), w.threshold])
        .sort(),
    ).toEqual([
      ['movedOut', 40],
      ['movingIn', 30],
      ['pooled', 10],
      ['siloed', 20],
    ]);
  });

  it('finds silent tenants and the day’s intake in every placement, each tenant once', async () => {
    const silent = await app.app
      .get(SilentTenantsRepository)
      .silentAt(new Date('2019-03-20T12:00:00Z'), 1000);
    const rows = ours(silent, (t) => t.tenant_id);
    expect(rows.map((t) => [nameOf(t.tenant_id), t.last_event_at])).toEqual([
      ['pooled', '2019-03-18T01:00:00.000Z'],
      ['siloed', '2019-03-18T02:00:00.000Z'],
      ['movingIn', '2019-03-18T03:00:00.000Z'],
      ['movedOut', '2019-03-18T04:00:00.000Z'],
    ]);
    const intake = await app.app.get(TenantIntakeRepository).acceptedOnDay('2019-03-15');
    expect(order.map((name) => intake.get(tenants[name]))).toEqual([1, 2, 3, 4]);
  });

  it('finds unfinished erasures, queued exports and due custom domains in every placement, each once', async () => {
    const ownIds = (kind: keyof typeof ids) => order.map((name) => ids[kind][tenants[name]].own);
    const strayIds = (kind: keyof typeof ids) =>
      order.map((name) => ids[kind][tenants[name]].stray).filter((id) => id !== undefined);

    const erasures = ours(
      await app.app.get(UnfinishedErasuresRepository).list(1000),
      (e) => e.tenantId,
    );
    expect(erasures.map((e) => e.erasureId)).toEqual(ownIds('erasures'));
    expect(erasures.map((e) => e.erasureId)).not.toEqual(
      expect.arrayContaining(strayIds('erasures')),
    );

    const exports = ours(await app.app.get(QueuedExportsRepository).list(1000), (e) => e.tenantId);
    expect(exports.map((e) => e.exportId)).toEqual(ownIds('exports'));

    const domains = ours(
      await app.app.get(DueCustomDomainsRepository).list(new Date('2019-06-01T00:00:00Z'), 1000),
      (d) => d.tenantId,
    );
    expect(domains.map((d) => d.id)).toEqual(ownIds('domains'));
    // Cut after the merge: the ones checked longest ago, whichever database they are in. Other
    // files' domains in this database may come first (never checked sorts first): the cut takes
    // those and our first two, the pooled tenant's and the siloed one's.
    const all = await app.app
      .get(DueCustomDomainsRepository)
      .list(new Date('2019-06-01T00:00:00Z'), 1000);
    const before = all.findIndex((d) => d.id === ownIds('domains')[0]);
    const cut = await app.app
      .get(DueCustomDomainsRepository)
      .list(new Date('2019-06-01T00:00:00Z'), before + 2);
    expect(cut).toEqual(all.slice(0, before + 2));
    expect(cut.slice(-2).map((d) => d.id)).toEqual(ownIds('domains').slice(0, 2));
  });

  it('rolls up the stale days of every placement, each tenant’s in its own database only', async () => {
    await app.app.get(PostgresRollupRefresher).refreshStaleDays();
    const rolled = (db: Client, tenantId: string, offset: number) =>
      asTenant(db, tenantId, async () => {
        const { rows } = await db.query<{ rolled: boolean }>(
          `SELECT rolled_version IS NOT DISTINCT FROM version AS rolled FROM event_rollup_days
          WHERE tenant_id = $1 AND day = '2019-03-01'::date + $2::int`,
          [tenantId, offset],
        );
        return rows[0]?.rolled;
      });
    for (const name of order) {
      expect([name, await rolled(homeOf(name), tenants[name], own[name])]).toEqual([name, true]);
    }
    // The stray copies' days were never the job's: not rolled (nor rolled elsewhere).
    expect(await rolled(control, tenants.movedOut, stray.movedOut)).toBe(false);
    expect(await rolled(silo, tenants.movingIn, stray.movingIn)).toBe(false);
  });

  it('answers 503 for the admin lists and skips with a warning in the jobs when a placement is unreachable', async () => {
    const {
      rows: [broken],
    } = await control.query<{ id: string }>(
      `INSERT INTO placements (name, kind, connection_ref, clickhouse_database)
       VALUES ('fanout-broken', 'siloed', 'env:FANOUT_BROKEN', 'unused') RETURNING id`,
    );
    const directory = app.app.get<PlacementDirectory, PlacementCacheDirectory>(PlacementDirectory);
    directory.forgetPlacements();
    try {
      const refused = await app.http
        .get('/admin/invoices')
        .query({ period: '2019-03' })
        .set(adminAuth)
        .expect(503);
      expect(refused.headers['retry-after']).toBe('5');
      await app.http.get('/admin/cost-attribution').set(adminAuth).expect(503);

      const exports = await app.app.get(QueuedExportsRepository).list(1000);
      expect(ours(exports, (e) => e.tenantId)).toHaveLength(4);
      const warning = logs
        .split('\n')
        .filter((line) => line.includes('"placement":"fanout-broken"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.reader === 'platform_queued_exports');
      expect(warning).toMatchObject({ level: 40, placement: 'fanout-broken' });
    } finally {
      await control.query("UPDATE placements SET status = 'disabled' WHERE id = $1", [broken.id]);
      directory.forgetPlacements();
    }
  });
});
