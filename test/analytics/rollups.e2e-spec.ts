import { createClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EventFilter } from '../../src/analytics/query/analytics-query';
import { PostgresRollupRefresher } from '../../src/analytics/rollups/postgres-rollup.refresher';
import type { AnalyticsStore, SummaryCounts } from '../../src/analytics/stores/analytics-store';
import { ClickHouseAnalyticsStore } from '../../src/analytics/stores/clickhouse-analytics.store';
import { PostgresAnalyticsStore } from '../../src/analytics/stores/postgres-analytics.store';
import { TenantContext } from '../../src/tenancy/scope/tenant.context';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { PostgresEventStore } from '../../src/ingestion/store/postgres-event.store';
import { eventually } from '../support/ingestion';
import { asTenant, connectAs, sqlState } from '../support/sql';
import { bearer, createTenant, createTestApp, TestApp, tenantToken } from '../support/test-app';

const DAY = 86_400_000;
const TYPES = ['page_view', 'signup', 'purchase'];

/** Events over the last six days, at whole seconds, with users, sessions and blanks. */
function eventsOf(tenantId: string, count: number, now: number, seed: number): EventRow[] {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    const user = Math.floor(random() * 30);
    return {
      tenantId,
      eventId: randomUUID(),
      eventType: TYPES[Math.floor(random() * TYPES.length)],
      timestamp: new Date(Math.floor((now - random() * 6 * DAY) / 1000) * 1000),
      userId: user < 4 ? '' : `u${user}`,
      sessionId: random() < 0.1 ? '' : `s${user}-${Math.floor(random() * 4)}`,
      properties: {},
      receivedAt: new Date(now),
    };
  });
}

function expected(
  rows: EventRow[],
  filter: EventFilter,
): SummaryCounts & {
  types: Map<string, number>;
  perDay: Map<number, number>;
  perWeek: Map<number, number>;
} {
  const hits = rows.filter(
    (r) =>
      r.tenantId === filter.tenantId &&
      r.timestamp >= filter.from &&
      r.timestamp < filter.to &&
      (filter.eventType === undefined || r.eventType === filter.eventType),
  );
  const types = new Map<string, number>();
  for (const hit of hits) types.set(hit.eventType, (types.get(hit.eventType) ?? 0) + 1);
  // UTC days and Monday-started weeks, counted here from the events themselves.
  const perDay = new Map<number, number>();
  const perWeek = new Map<number, number>();
  for (const hit of hits) {
    const day = Math.floor(hit.timestamp.getTime() / DAY) * DAY;
    const week = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    perWeek.set(week, (perWeek.get(week) ?? 0) + 1);
  }
  return {
    events: hits.length,
    users: new Set(hits.map((r) => r.userId).filter(Boolean)).size,
    sessions: new Set(hits.map((r) => r.sessionId).filter(Boolean)).size,
    types,
    perDay,
    perWeek,
  };
}

async function answer(store: AnalyticsStore, filter: EventFilter) {
  const counts = await store.summary(filter);
  // countEvents takes its own path through the rollups; it must agree with summary's.
  expect({ store: store.kind, countEvents: await store.countEvents(filter) }).toEqual({
    store: store.kind,
    countEvents: counts.events,
  });
  const breakdown = await store.breakdown(filter, { kind: 'event_type' }, 10);
  return {
    ...counts,
    types: new Map(breakdown.map((row) => [row.value, row.events])),
    perDay: await store.timeseries(filter, 'events', 'day', 'UTC'),
    perWeek: await store.timeseries(filter, 'events', 'week', 'UTC'),
  };
}

describe('daily rollups: long ranges read them, and answer as the raw events do', () => {
  let t: TestApp;
  let tenantContext: TenantContext;
  let postgres: PostgresEventStore;
  let clickhouse: ClickHouseEventStore;
  let refresher: PostgresRollupRefresher;
  let rows: EventRow[];
  let tenantA: string;
  let tenantB: string;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const database = () => process.env.CLICKHOUSE_DATABASE!;

  beforeAll(async () => {
    // No scheduled refresh during these tests (an in-process timer a day away): the test's own
    // refresh must be the one that rolls the closed days it counts.
    t = await createTestApp({
      env: {
        KAFKA_BROKERS: '',
        CLICKHOUSE_URL: '',
        REDIS_URL: '',
        ROLLUP_REFRESH_SECONDS: '86400',
      },
    });
    tenantContext = t.app.get(TenantContext);
    refresher = t.app.get(PostgresRollupRefresher);
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    postgres = new PostgresEventStore(tenantContext, t.app.get(DataSource));
    clickhouse = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database());
    await postgres.prepare();
    await clickhouse.prepare();
    rows = [...eventsOf(tenantA, 600, now, 7), ...eventsOf(tenantB, 300, now, 8)];
    await postgres.write(rows);
    await clickhouse.write(rows);
    // Re-delivered events: neither the rollups nor the raw reads may count them twice.
    await postgres.write(rows.slice(0, 50));
    await clickhouse.write(rows.slice(0, 50));
  });
  afterAll(async () => {
    await clickhouse.close();
    await t.close();
  });

  const stores = (rollups: boolean): AnalyticsStore[] => [
    new PostgresAnalyticsStore(tenantContext, { rollups }),
    new ClickHouseAnalyticsStore(clickhouse, database(), { rollups }),
  ];

  const filters = (): [string, EventFilter][] => {
    const base = {
      tenantId: tenantA,
      from: new Date(now - 6 * DAY - 1000),
      to: new Date(now + 1000),
      properties: [],
    };
    return [
      ['six days, ragged edges', base],
      ['one event type', { ...base, eventType: 'purchase' }],
      ['the other tenant', { ...base, tenantId: tenantB }],
      [
        'whole UTC days only',
        {
          ...base,
          from: new Date(Math.ceil((now - 5 * DAY) / DAY) * DAY),
          to: new Date(Math.floor(now / DAY) * DAY),
        },
      ],
    ];
  };

  async function allAgree(): Promise<void> {
    for (const [label, filter] of filters()) {
      const want = expected(rows, filter);
      for (const store of [...stores(true), ...stores(false)]) {
        expect({ label, store: store.kind, ...(await answer(store, filter)) }).toEqual({
          label,
          store: store.kind,
          ...want,
        });
      }
    }
  }

  it('the PostgreSQL refresh rolls every closed day, and both stores still answer what the events say', async () => {
    const result = await refresher.refreshStaleDays();
    expect(result.days).toBeGreaterThanOrEqual(5 * 2); // two tenants, five closed days at least
    const owner = await connectAs('owner');
    try {
      const stale = await asTenant(owner, tenantA, () =>
        owner.query(
          `SELECT count(*)::int AS n FROM event_rollup_days
            WHERE tenant_id = $1 AND day < current_date AND rolled_version IS DISTINCT FROM version`,
          [tenantA],
        ),
      );
      expect(stale.rows[0].n).toBe(0);
    } finally {
      await owner.end();
    }
    await allAgree();
  });

  it('skips a day another refresh is rolling, and rolls it on the next run; two at once both succeed', async () => {
    const tenant = (await createTenant(t.http)).id;
    const own = eventsOf(tenant, 400, now, 11);
    await postgres.write(own);
    const busyDay = new Date(now - 3 * DAY).toISOString().slice(0, 10);
    const rolledDays = async (): Promise<string[]> => {
      const owner = await connectAs('owner');
      try {
        const result = await asTenant(owner, tenant, () =>
          owner.query(
            `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM event_rollup_days
              WHERE tenant_id = $1 AND rolled_version = version ORDER BY day`,
            [tenant],
          ),
        );
        return result.rows.map((row: { day: string }) => row.day);
      } finally {
        await owner.end();
      }
    };
    // Another refresher's transaction holds the day (the lock rollDay takes).
    const other = await connectAs('app');
    try {
      await other.query('BEGIN');
      await other.query(
        "SELECT pg_advisory_xact_lock(hashtextextended('rollup:' || $1::text || ':' || $2::text, 0))",
        [tenant, busyDay],
      );
      await refresher.refreshStaleDays();
      const rolled = await rolledDays();
      expect(rolled.length).toBeGreaterThanOrEqual(4);
      expect(rolled).not.toContain(busyDay);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    await refresher.refreshStaleDays();
    expect(await rolledDays()).toContain(busyDay);

    // Two whole refreshes at once, over a new tenant's days: no error, every day rolled once.
    const second = (await createTenant(t.http)).id;
    const more = eventsOf(second, 400, now, 12);
    await postgres.write(more);
    await Promise.all([refresher.refreshStaleDays(), refresher.refreshStaleDays()]);
    const filter = { ...filters()[0][1], tenantId: second };
    const want = expected(more, filter);
    const postgresWithRollups = new PostgresAnalyticsStore(tenantContext, { rollups: true });
    expect(await postgresWithRollups.summary(filter)).toEqual({
      events: want.events,
      users: want.users,
      sessions: want.sessions,
    });
  });

  it('reads the rollup for whole days: a tampered rollup shows in the answer, the raw read is unmoved', async () => {
    const tenant = (await createTenant(t.http)).id;
    const own = eventsOf(tenant, 100, now, 9);
    await postgres.write(own);
    await clickhouse.write(own);
    await refresher.refreshStaleDays();
    const filter = filters()[0][1];
    const mine = { ...filter, tenantId: tenant };
    const truth = expected(own, mine).events;
    const day = new Date(now - 3 * DAY).toISOString().slice(0, 10);

    const owner = await connectAs('owner');
    try {
      await owner.query('BEGIN');
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
      await owner.query(
        `INSERT INTO event_rollups_daily (tenant_id, day, event_type, events) VALUES ($1, $2, 'tampered', 1000)`,
        [tenant, day],
      );
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }
    const clickhouseClient = createClient({ url: process.env.CLICKHOUSE_URL });
    try {
      await clickhouseClient.command({
        query: `INSERT INTO ${database()}.events_daily
          SELECT toUUID('${tenant}'), toDate('${day}'), 'tampered', uniqExactState(generateUUIDv4()),
                 uniqExactIfState('', 0), uniqExactIfState('', 0)
            FROM numbers(1000)`,
      });
    } finally {
      await clickhouseClient.close();
    }
    for (const store of stores(true)) {
      expect({ store: store.kind, events: (await store.summary(mine)).events }).toEqual({
        store: store.kind,
        events: truth + 1000,
      });
    }
    for (const store of stores(false)) {
      expect({ store: store.kind, events: (await store.summary(mine)).events }).toEqual({
        store: store.kind,
        events: truth,
      });
    }
    // PostgreSQL's UTC day buckets of events read the rollup too; other zones read raw events.
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const trueDay = expected(own, mine).perDay.get(dayStart) ?? 0;
    const postgresWithRollups = new PostgresAnalyticsStore(tenantContext, { rollups: true });
    const perDay = await postgresWithRollups.timeseries(mine, 'events', 'day', 'UTC');
    expect(perDay.get(dayStart)).toBe(trueDay + 1000);
    const perLocalDay = await postgresWithRollups.timeseries(mine, 'events', 'day', 'Asia/Kolkata');
    expect([...perLocalDay.values()].reduce((sum, n) => sum + n, 0)).toBe(truth);
  });

  it('reads a day written after its roll from raw events until the next refresh', async () => {
    const day = new Date(Math.floor((now - 2 * DAY) / DAY) * DAY + 3_600_000);
    const late: EventRow[] = [
      {
        ...rows[0],
        eventId: randomUUID(),
        timestamp: day,
        userId: 'late-user',
        sessionId: 'late-session',
      },
    ];
    await postgres.write(late);
    await clickhouse.write(late);
    rows.push(...late);
    // Stale now: PostgreSQL reads that day raw; ClickHouse's view already holds it.
    await allAgree();
    await refresher.refreshStaleDays();
    await allAgree();
  });
});

describe('rollup tables are tenant-owned', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
  });
  afterAll(() => t.close());

  it.each([
    [
      'event_rollups_daily',
      "(tenant_id, day, event_type, events) VALUES ($1, '2026-01-01', 'x', 1)",
    ],
    [
      'event_rollup_daily_users',
      "(tenant_id, day, event_type, user_id) VALUES ($1, '2026-01-01', 'x', 'u')",
    ],
    [
      'event_rollup_daily_sessions',
      "(tenant_id, day, event_type, session_id) VALUES ($1, '2026-01-01', 'x', 's')",
    ],
    ['event_rollup_daily_all_users', "(tenant_id, day, user_id) VALUES ($1, '2026-01-01', 'u')"],
    [
      'event_rollup_daily_all_sessions',
      "(tenant_id, day, session_id) VALUES ($1, '2026-01-01', 's')",
    ],
    ['event_rollup_days', "(tenant_id, day) VALUES ($1, '2026-01-01')"],
  ])("%s: another tenant can neither read nor write a tenant's rows", async (table, values) => {
    const mine = (await createTenant(t.http)).id;
    const theirs = (await createTenant(t.http)).id;
    const app = await connectAs('app');
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('app.tenant_id', $1, true)", [theirs]);
      await app.query(`INSERT INTO ${table} ${values}`, [theirs]);
      await app.query('COMMIT');
      await asTenant(app, mine, async () => {
        const seen = await app.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`,
          [theirs],
        );
        expect(seen.rows[0].n).toBe(0);
        expect(await sqlState(app, `INSERT INTO ${table} ${values}`, [theirs])).toBe('42501');
        const deleted = await app.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [theirs]);
        expect(deleted.rowCount).toBe(0);
      });
      await asTenant(app, theirs, async () => {
        const kept = await app.query(`SELECT count(*)::int AS n FROM ${table}`);
        expect(kept.rows[0].n).toBe(1);
      });
    } finally {
      await app.end();
    }
  });
});

describe('the rollup refresh runs by itself', () => {
  it.each([
    ['a BullMQ repeatable job (Redis configured)', {}],
    ['an in-process timer (no Redis)', { REDIS_URL: '' }],
  ])('as %s', async (_label, extra) => {
    const t = await createTestApp({
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ROLLUP_REFRESH_SECONDS: '1', ...extra },
    });
    try {
      const tenant = await createTenant(t.http);
      await t.http
        .post('/v1/events')
        .set(bearer(tenantToken(tenant.id)))
        .send({
          events: [
            {
              event_id: randomUUID(),
              event_type: 'signup',
              timestamp: new Date(Date.now() - 3 * DAY).toISOString(),
              user_id: 'u1',
            },
          ],
        })
        .expect(202);
      const owner = await connectAs('owner');
      try {
        const rolled = await eventually(async () => {
          const result = await asTenant(owner, tenant.id, () =>
            owner.query(
              `SELECT count(*)::int AS n FROM event_rollups_daily WHERE tenant_id = $1 AND event_type = 'signup'`,
              [tenant.id],
            ),
          );
          return result.rows[0].n as number;
        }, 1);
        expect(rolled).toBe(1);
      } finally {
        await owner.end();
      }
    } finally {
      await t.close();
    }
  });
});
