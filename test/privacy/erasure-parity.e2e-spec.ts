import { DataSource } from 'typeorm';
import { PostgresRollupRefresher } from '../../src/analytics/rollups/postgres-rollup.refresher';
import { PostgresAnalyticsStore } from '../../src/analytics/stores/postgres-analytics.store';
import { sha256Hex } from '../../src/common/sha256';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import { asTenant, connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';
import { analyticsAnswers, clickhouseRollup, DAY, dataset, twinOf, until } from './privacy-support';

// Quotes and a backslash: the id reaches ClickHouse SQL through the literal escaper.
const ERASED = 'o\'brien\\"erase-me@example.com';
const OTHERS = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', ''];

/**
 * Analytics after an erasure equal what they would be had the user never existed: tenant X gets
 * dataset A (the erased user) + B, its twin Y gets B alone; after the erasure every analytics
 * route answers the same for both, over rollups too, on each event store. An event of that
 * user sent before the erasure but stored after its first pass (in flight through Kafka) is
 * removed by the recheck.
 */
const CONFIGS: { name: string; env: Record<string, string>; clickhouse: boolean }[] = [
  {
    name: 'events in PostgreSQL, passes in process (no Redis)',
    env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', REDIS_URL: '', ERASURE_RECHECK_SECONDS: '3' },
    clickhouse: false,
  },
  {
    name: 'events in ClickHouse (and older ones in PostgreSQL), passes as BullMQ jobs',
    env: { KAFKA_BROKERS: '', CLICKHOUSE_ROLLUP_READS: 'true', ERASURE_RECHECK_SECONDS: '3' },
    clickhouse: true,
  },
];

describe.each(CONFIGS)('end-user erasure: $name', ({ env, clickhouse: withClickHouse }) => {
  let t: TestApp;
  let postgres: PostgresEventStore;
  let clickhouse: ClickHouseEventStore | null = null;
  let x: string;
  let y: string;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const from = new Date(now - 6 * DAY - 3_600_000);
  const to = new Date(now + 60_000);

  const write = async (rows: EventRow[]) => {
    await postgres.write(rows);
    await clickhouse?.write(rows);
  };

  beforeAll(async () => {
    t = await createTestApp({ env });
    x = (await createTenant(t.http, { tier: 'enterprise' })).id;
    y = (await createTenant(t.http, { tier: 'enterprise' })).id;
    postgres = new PostgresEventStore(t.app.get(TenantContext), t.app.get(DataSource));
    if (withClickHouse) {
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
    }
    const b = dataset(x, OTHERS, 300, now, 11);
    const a = dataset(x, [ERASED], 60, now, 12);
    // On days of its own too: rollup days that hold only the erased user's events.
    a.push(...dataset(x, [ERASED], 5, now - 8 * DAY, 13, DAY));
    await write([...a, ...b, ...twinOf(b, y)]);
    await t.app.get(PostgresRollupRefresher).refreshStaleDays();
  });
  afterAll(async () => {
    await clickhouse?.close();
    await t.close();
  });

  const auth = (tenantId: string) => bearer(tenantToken(tenantId));

  it('differs before the erasure (the dataset is not trivially equal)', async () => {
    expect(await analyticsAnswers(t.http, auth(x), from, to)).not.toEqual(
      await analyticsAnswers(t.http, auth(y), from, to),
    );
  });

  it('erases the user from every store, rollups recomputed, and the analytics equal the twin’s', async () => {
    const created = await t.http
      .post('/v1/privacy/erasures')
      .set(auth(x))
      .send({ user_id: ERASED })
      .expect(202);
    expect(created.body).toMatchObject({
      status: 'pending',
      subject_digest: sha256Hex(`${x}:${ERASED}`),
    });
    expect(JSON.stringify(created.body)).not.toContain('erase-me');
    const id: string = created.body.id;
    const read = async () =>
      (await t.http.get(`/v1/privacy/erasures/${id}`).set(auth(x)).expect(200)).body as {
        status: string;
        cutoff: string;
        rechecked_at: string | null;
        removed: Record<string, { events: number; rollup_days: number }>;
      };
    const first = await until(
      read,
      (body) => body.status === 'completed' || body.status === 'failed',
    );
    expect(first.status).toBe('completed');
    expect(first.rechecked_at).toBeNull();

    // Sent before the erasure, stored only now: what a Kafka backlog delivers late.
    const late = dataset(x, [ERASED], 1, now - DAY, 14, 1000);
    late[0].receivedAt = new Date(Date.parse(first.cutoff) - 1000);
    await write(late);

    const done = await until(read, (body) => body.rechecked_at !== null);
    const expected = { events: 66 };
    expect(done.removed.postgres).toMatchObject(expected);
    if (withClickHouse) expect(done.removed.clickhouse).toMatchObject(expected);
    else expect(done.removed.clickhouse).toBeUndefined();
    expect(done.removed.postgres.rollup_days).toBeGreaterThan(0);

    // Every analytics route, over the ragged range (rollups for the whole days).
    expect(await analyticsAnswers(t.http, auth(x), from, to)).toEqual(
      await analyticsAnswers(t.http, auth(y), from, to),
    );
    expect(await postgres.countEvents(x)).toBe(300);
    if (clickhouse) {
      expect(await clickhouse.countEvents(x)).toBe(300);
      expect(await clickhouseRollup(x)).toEqual(await clickhouseRollup(y));
    }
  });

  it('leaves the PostgreSQL rollups recomputed (not merely stale) and equal to the twin’s', async () => {
    const store = new PostgresAnalyticsStore(t.app.get(TenantContext), { rollups: true });
    const filter = (tenantId: string) => ({ tenantId, from, to, properties: [] });
    expect(await store.summary(filter(x))).toEqual(await store.summary(filter(y)));
    const app = await connectAs('app');
    try {
      const rollups = (tenantId: string) =>
        asTenant(app, tenantId, async () => ({
          stale: (
            await app.query(
              `SELECT day FROM event_rollup_days
                WHERE rolled_version IS DISTINCT FROM version AND day < current_date`,
            )
          ).rowCount,
          erased: (
            await app.query('SELECT 1 FROM event_rollup_daily_users WHERE user_id = $1', [ERASED])
          ).rowCount,
          users: (
            await app.query(
              `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, user_id
                 FROM event_rollup_daily_users ORDER BY 1, 2, 3`,
            )
          ).rows,
        }));
      const mine = await rollups(x);
      expect(mine).toMatchObject({ stale: 0, erased: 0 });
      expect(mine.users).toEqual((await rollups(y)).users);
    } finally {
      await app.end();
    }
  });

  it('keeps no user id in the request, the audit log or the job afterwards', async () => {
    const list = await t.http.get('/v1/privacy/erasures').set(auth(x)).expect(200);
    expect(list.body).toMatchObject({ total: 1, page: 1 });
    const audit = await t.http.get('/v1/audit-log').query({ limit: 100 }).set(auth(x)).expect(200);
    const actions = (audit.body.data as { action: string }[]).map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'privacy.erasure_requested',
        'privacy.erasure_completed',
        'privacy.erasure_rechecked',
      ]),
    );
    expect(JSON.stringify(audit.body)).not.toContain('erase-me');
    const owner = await connectAs('owner');
    try {
      const { rows } = await owner.query(
        'SELECT user_id FROM erasure_requests WHERE tenant_id = $1',
        [x],
      );
      expect(rows).toEqual([]); // RLS forced on the owner too: nothing without a tenant
      const scoped = await asTenant(owner, x, () =>
        owner.query('SELECT user_id, status FROM erasure_requests'),
      );
      expect(scoped.rows).toEqual([{ user_id: null, status: 'completed' }]);
    } finally {
      await owner.end();
    }
  });
});
