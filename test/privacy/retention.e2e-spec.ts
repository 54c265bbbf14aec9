import { DataSource } from 'typeorm';
import { PostgresRollupRefresher } from '../../src/analytics/rollups/postgres-rollup.refresher';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import {
  keptFrom,
  RetentionEnforcerService,
} from '../../src/privacy/retention/retention-enforcer.service';
import { MAX_RETENTION_DAYS } from '../../src/tenancy/plans';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { asTenant, connectAs } from '../support/sql';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';
import { analyticsAnswers, clickhouseRollup, DAY, dataset, twinOf } from './privacy-support';

const RETENTION_DAYS = 7;

/**
 * Retention on both stores: tenant X holds old events (past its 7-day retention) and recent
 * ones, its twin Y the recent ones alone. After one run, X's old events and their rollups are
 * gone from PostgreSQL and ClickHouse, X and Y answer alike on every analytics route and hold
 * the same rollups, and a month no tenant may keep any more is dropped as a whole partition.
 */
describe('retention enforcement on both stores', () => {
  let t: TestApp;
  let postgres: PostgresEventStore;
  let clickhouse: ClickHouseEventStore;
  let x: string;
  let y: string;
  let z: string;
  let old: EventRow[];
  let recent: EventRow[];
  let ancient: EventRow;
  /** The first run's report: the metrics count exactly what it removed. */
  let firstRun: {
    clickhouse?: { events: number } | null;
    postgres: { events: number; partition_events: number };
  };
  const now = Math.floor(Date.now() / 1000) * 1000;

  /** A month every plan's retention has passed: the one before the longest retention's start. */
  function expiredMonthStart(): Date {
    const cutoff = new Date(now - MAX_RETENTION_DAYS * DAY);
    return new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth() - 1, 1, 12));
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_ROLLUP_READS: 'true' } });
    x = (await createTenant(t.http, { tier: 'growth' })).id;
    y = (await createTenant(t.http, { tier: 'growth' })).id;
    z = (await createTenant(t.http, { tier: 'enterprise' })).id;
    for (const id of [x, y]) {
      await t.http
        .put(`/admin/tenants/${id}/overrides`)
        .set(adminAuth)
        .send({ data_retention_days: RETENTION_DAYS })
        .expect(200);
    }
    postgres = new PostgresEventStore(t.app.get(TenantContext), t.app.get(DataSource));
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
    await postgres.prepare();
    old = dataset(x, ['o1', 'o2', 'b1'], 120, now - 8 * DAY, 21, 4 * DAY);
    recent = dataset(x, ['b1', 'b2', 'b3', ''], 200, now, 22, 4 * DAY);
    [ancient] = dataset(z, ['z1'], 1, expiredMonthStart().getTime(), 23, 1000);
    const rows = [...old, ...recent, ...twinOf(recent, y), ancient];
    await postgres.write(rows);
    await clickhouse.write(rows);
    await t.app.get(PostgresRollupRefresher).refreshStaleDays();
  });
  afterAll(async () => {
    await clickhouse.close();
    await t.close();
  });

  it('removes what is past retention, from both stores, rollups and partitions included', async () => {
    expect(await postgres.countEvents(x)).toBe(320);
    expect(await clickhouse.countEvents(x)).toBe(320);
    const report = await t.app.get(RetentionEnforcerService).enforce(new Date(now));
    firstRun = report;
    const month = expiredMonthStart().toISOString().slice(0, 7).replace('-', '_');
    expect(report.postgres.partitions).toContain(`events_${month}`);
    expect(report.postgres.partition_events).toBeGreaterThanOrEqual(1);
    // At least X's old events (and Z's, by partition): in a full run the test database also
    // holds other files' tenants, whose old events go too. X, Y and Z are checked one by one below.
    expect(report.postgres.events).toBeGreaterThanOrEqual(120);
    expect(report.postgres.rollup_rows).toBeGreaterThan(0);
    // ClickHouse has no partition drop: Z's month-old-past-every-plan event goes per tenant.
    expect(report.clickhouse!.events).toBeGreaterThanOrEqual(121);
    expect(report.clickhouse!.rollup_rows).toBeGreaterThan(0);
    expect(report.failed).toBe(0);

    expect(await postgres.countEvents(x)).toBe(200);
    expect(await clickhouse.countEvents(x)).toBe(200);
    expect(await postgres.countEvents(z)).toBe(0);
    expect(await clickhouse.countEvents(y)).toBe(200);
    expect(await clickhouseRollup(x)).toEqual(await clickhouseRollup(y));
  });

  it('leaves X answering exactly like its twin on every analytics route', async () => {
    // Three days: the previous period (summary) stays inside the retention too.
    const from = new Date(now - 3 * DAY);
    const to = new Date(now);
    expect(await analyticsAnswers(t.http, bearer(tenantToken(x)), from, to)).toEqual(
      await analyticsAnswers(t.http, bearer(tenantToken(y)), from, to),
    );
    // Older than the retention is refused, as before: nothing reads past it.
    await t.http
      .get('/v1/analytics/summary')
      .query({ from: new Date(now - 9 * DAY).toISOString(), to: to.toISOString() })
      .set(bearer(tenantToken(x)))
      .expect(400);
  });

  it('leaves the PostgreSQL rollups of X only for the days it keeps, equal to its twin’s', async () => {
    const app = await connectAs('app');
    try {
      const rollups = (tenantId: string) =>
        asTenant(app, tenantId, async () => ({
          oldest: (
            await app.query<{ day: string | null }>(
              "SELECT to_char(min(day), 'YYYY-MM-DD') AS day FROM event_rollup_days",
            )
          ).rows[0].day,
          users: (
            await app.query(
              `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, user_id
                 FROM event_rollup_daily_users ORDER BY 1, 2, 3`,
            )
          ).rows,
          events: (
            await app.query(
              `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, events
                 FROM event_rollups_daily ORDER BY 1, 2`,
            )
          ).rows,
        }));
      const mine = await rollups(x);
      expect(mine.oldest! >= keptFrom(new Date(now), RETENTION_DAYS)).toBe(true);
      const twin = await rollups(y);
      expect(mine.users).toEqual(twin.users);
      expect(mine.events).toEqual(twin.events);
    } finally {
      await app.end();
    }
  });

  it('counts the run in metrics and the platform audit log, and a second run removes nothing', async () => {
    const metrics = await t.http
      .get('/metrics')
      .set({ Authorization: `Bearer ${TEST_METRICS_TOKEN}` })
      .expect(200);
    const value = (store: string, kind: string) =>
      Number(
        metrics.text
          .split('\n')
          .find(
            (line) =>
              line.startsWith('tenantry_retention_removed_total{') &&
              line.includes(`store="${store}"`) &&
              line.includes(`kind="${kind}"`),
          )
          ?.split(' ')
          .pop(),
      );
    expect(value('clickhouse', 'events')).toBe(firstRun.clickhouse!.events);
    expect(value('postgres', 'events')).toBe(
      firstRun.postgres.events + firstRun.postgres.partition_events,
    );
    expect(value('postgres', 'partitions')).toBeGreaterThanOrEqual(1);

    const audit = await t.http
      .get('/admin/audit-log')
      .query({ action: 'retention.enforced', limit: '10' })
      .set(adminAuth)
      .expect(200);
    expect(audit.body.data[0]).toMatchObject({
      tenant_id: null,
      actor_type: 'system',
      actor_id: 'retention-job',
      details: expect.objectContaining({
        clickhouse: expect.objectContaining({ events: firstRun.clickhouse!.events }),
      }),
    });

    const again = await t.app.get(RetentionEnforcerService).enforce(new Date(now));
    expect(again).toMatchObject({
      postgres: { events: 0, rollup_rows: 0, partitions: [] },
      clickhouse: { events: 0, rollup_rows: 0 },
    });
  });
});
