import type { EventFilter } from '../../src/analytics/query/analytics-query';
import type { RetentionEvents, RetentionInterval } from '../../src/analytics/query/retention';
import type { AnalyticsStore } from '../../src/analytics/stores/analytics-store';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { type BothStores, eventRow, openBothStores } from '../support/analytics-stores';
import { ClickHouseTestCluster } from '../support/clickhouse-cluster';
import { addDays, labelDistance, localInstant, localLabel } from '../support/local-time';
import { createTenant, createTestApp, TestApp } from '../support/test-app';

const TIMEZONES = ['UTC', 'Asia/Kolkata', 'America/New_York'];
const SIGNUP_THEN_VIEW: RetentionEvents = { cohortEvent: 'signup', returnEvent: 'page_view' };

/** A retention answer by local date labels: cohort → size, and `cohort+n` → users back. */
interface Labelled {
  sizes: Record<string, number>;
  cells: Record<string, number>;
}

async function labelled(
  store: AnalyticsStore,
  filter: EventFilter,
  events: RetentionEvents,
  interval: RetentionInterval,
  timezone: string,
): Promise<Labelled> {
  const counts = await store.retention(filter, events, interval, timezone);
  const sizes: Record<string, number> = {};
  for (const [start, size] of counts.cohorts) sizes[localLabel(start, interval, timezone)] = size;
  const cells: Record<string, number> = {};
  for (const { cohort, returned, users } of counts.returns) {
    const label = localLabel(cohort, interval, timezone);
    const n = labelDistance(label, localLabel(returned, interval, timezone), interval);
    cells[`${label}+${n}`] = users;
  }
  return { sizes, cells };
}

/** The same answer computed here from the rows, by local date labels (Intl). */
function reference(
  rows: EventRow[],
  filter: EventFilter,
  events: RetentionEvents,
  interval: RetentionInterval,
  timezone: string,
): Labelled {
  const hits = rows.filter(
    (row) =>
      row.tenantId === filter.tenantId &&
      row.userId !== '' &&
      row.timestamp >= filter.from &&
      row.timestamp < filter.to &&
      filter.properties.every(([key, value]) => String(row.properties[key]) === value),
  );
  const first = new Map<string, number>();
  for (const row of hits) {
    if (events.cohortEvent !== undefined && row.eventType !== events.cohortEvent) continue;
    const time = row.timestamp.getTime();
    first.set(row.userId, Math.min(first.get(row.userId) ?? Infinity, time));
  }
  const sizes: Record<string, number> = {};
  const cohortOf = new Map<string, string>();
  for (const [user, time] of first) {
    const label = localLabel(time, interval, timezone);
    cohortOf.set(user, label);
    sizes[label] = (sizes[label] ?? 0) + 1;
  }
  const back = new Set<string>();
  for (const row of hits) {
    if (events.returnEvent !== undefined && row.eventType !== events.returnEvent) continue;
    const cohort = cohortOf.get(row.userId);
    if (cohort === undefined) continue;
    const n = labelDistance(
      cohort,
      localLabel(row.timestamp.getTime(), interval, timezone),
      interval,
    );
    if (n >= 0) back.add(`${cohort}+${n}|${row.userId}`);
  }
  const cells: Record<string, number> = {};
  for (const key of back) {
    const cell = key.split('|')[0];
    cells[cell] = (cells[cell] ?? 0) + 1;
  }
  return { sizes, cells };
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

// A Monday 22-28 days back (in UTC): within every plan's retention and the stores' partitions.
const D0 = localLabel(Date.now() - 28 * 86_400_000, 'week', 'UTC');
const day = (k: number) => addDays(D0, k);

describe('retention parity: ClickHouse and PostgreSQL build the same cohorts, and the right ones', () => {
  let t: TestApp;
  let both: BothStores;
  const cluster = new ClickHouseTestCluster();
  let tenantA: string;
  let tenantB: string;
  const rows: EventRow[] = [];

  /** From 06:00 on day 0 to 12:00 on day 16, local: both ends mid-bucket. */
  const filterFor = (
    tenantId: string,
    timezone: string,
    extra: [string, string][] = [],
    scenario = timezone,
  ): EventFilter => ({
    tenantId,
    from: localInstant(`${day(0)}T06:00:00`, timezone),
    to: localInstant(`${day(16)}T12:00:00`, timezone),
    properties: [['tz', scenario], ...extra],
  });

  beforeAll(async () => {
    t = await createTestApp();
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    // The same answers from a two-shard ClickHouse cluster (README, "ClickHouse cluster").
    await cluster.up();
    both = await openBothStores(t, cluster);
    for (const timezone of TIMEZONES) {
      const event = (
        tenantId: string,
        type: string,
        k: number,
        time: string,
        user: string,
        plan = 'pro',
      ) =>
        rows.push(
          eventRow(tenantId, type, localInstant(`${day(k)}T${time}`, timezone), user, {
            tz: timezone,
            plan,
          }),
        );
      // Bucket edges: the last second of a local day and the first of the next.
      event(tenantA, 'signup', 0, '23:59:59', 'u1');
      event(tenantA, 'page_view', 0, '12:00:00', 'u1'); // before its signup, same day: period 0
      event(tenantA, 'page_view', 1, '00:00:00', 'u1');
      event(tenantA, 'signup', 1, '00:00:00', 'u2');
      event(tenantA, 'signup', 3, '09:00:00', 'u2'); // a later signup moves nothing
      event(tenantA, 'page_view', 1, '23:59:59', 'u2');
      event(tenantA, 'page_view', 8, '10:00:00', 'u2');
      event(tenantA, 'page_view', 2, '10:00:00', 'u3'); // a day before its cohort
      event(tenantA, 'signup', 4, '10:00:00', 'u3');
      event(tenantA, 'signup', 6, '23:59:59', 'u4'); // Sunday: the week of day 0
      event(tenantA, 'page_view', 7, '00:00:00', 'u4'); // Monday: the next week
      event(tenantA, 'signup', 0, '03:00:00', 'u5'); // before `from`
      event(tenantA, 'signup', 2, '10:00:00', 'u5');
      event(tenantA, 'page_view', 16, '10:00:00', 'u5');
      event(tenantA, 'page_view', 16, '13:00:00', 'u5'); // after `to`
      event(tenantA, 'signup', 0, '10:00:00', ''); // no user id
      event(tenantA, 'page_view', 1, '10:00:00', '');
      event(tenantA, 'signup', 5, '10:00:00', 'u8');
      event(tenantA, 'page_view', 6, '10:00:00', 'u8', 'free');
      // Another tenant: would add a cohort member and returns of tenant A's users.
      event(tenantB, 'signup', 1, '10:00:00', 'u10');
      event(tenantB, 'page_view', 2, '10:00:00', 'u2');
      event(tenantB, 'page_view', 9, '10:00:00', 'u4');
    }
    const random = seeded(11);
    const types = ['signup', 'page_view', 'purchase'];
    for (let i = 0; i < 1200; i++) {
      const user = Math.floor(random() * 120);
      // Random whole hours and a few exact local midnights over 18 days around the range.
      const timezone = TIMEZONES[i % TIMEZONES.length];
      const k = Math.floor(random() * 18) - 1;
      const hour = random() < 0.2 ? 0 : Math.floor(random() * 24);
      const at = localInstant(`${day(k)}T${String(hour).padStart(2, '0')}:00:00`, timezone);
      rows.push(
        eventRow(
          tenantA,
          types[Math.floor(random() * types.length)],
          new Date(at.getTime() + (random() < 0.3 ? -1000 : 0)),
          user < 8 ? '' : `r-${user}`,
          { tz: `random ${timezone}`, plan: random() < 0.7 ? 'pro' : 'free' },
        ),
      );
    }
    await both.write(rows);
    await both.write(rows.slice(0, 100)); // re-delivery changes nothing
  });
  afterAll(async () => {
    await both.close();
    await t.close();
    await cluster.down();
  });

  describe.each(TIMEZONES)('in %s', (timezone) => {
    it('daily cohorts: edges of local days, the first signup in the range, returns after it', async () => {
      const expected: Labelled = {
        sizes: { [day(0)]: 1, [day(1)]: 1, [day(2)]: 1, [day(4)]: 1, [day(5)]: 1, [day(6)]: 1 },
        cells: {
          [`${day(0)}+0`]: 1, // u1, the morning before its signup
          [`${day(0)}+1`]: 1, // u1 at 00:00:00
          [`${day(1)}+0`]: 1, // u2 at 23:59:59
          [`${day(1)}+7`]: 1,
          [`${day(2)}+14`]: 1, // u5, before `to`
          [`${day(5)}+1`]: 1, // u8
          [`${day(6)}+1`]: 1, // u4
        },
      };
      const filter = filterFor(tenantA, timezone);
      expect(reference(rows, filter, SIGNUP_THEN_VIEW, 'day', timezone)).toEqual(expected);
      for (const store of both.stores) {
        expect({
          store: store.kind,
          ...(await labelled(store, filter, SIGNUP_THEN_VIEW, 'day', timezone)),
        }).toEqual({ store: store.kind, ...expected });
      }
    });

    it('weekly cohorts start on Monday, and order within a bucket does not matter', async () => {
      const expected: Labelled = {
        sizes: { [day(0)]: 6 },
        cells: { [`${day(0)}+0`]: 4, [`${day(0)}+1`]: 2, [`${day(0)}+2`]: 1 },
      };
      const filter = filterFor(tenantA, timezone);
      expect(reference(rows, filter, SIGNUP_THEN_VIEW, 'week', timezone)).toEqual(expected);
      for (const store of both.stores) {
        expect({
          store: store.kind,
          ...(await labelled(store, filter, SIGNUP_THEN_VIEW, 'week', timezone)),
        }).toEqual({ store: store.kind, ...expected });
      }
    });

    it('a property filter applies to return events too', async () => {
      const filter = filterFor(tenantA, timezone, [['plan', 'pro']]);
      for (const store of both.stores) {
        const answer = await labelled(store, filter, SIGNUP_THEN_VIEW, 'day', timezone);
        expect({ store: store.kind, u8: answer.cells[`${day(5)}+1`] }).toEqual({
          store: store.kind,
          u8: undefined,
        });
        expect(answer).toEqual(reference(rows, filter, SIGNUP_THEN_VIEW, 'day', timezone));
      }
    });

    it('another tenant’s events never count, and it sees its own', async () => {
      for (const store of both.stores) {
        const other = await labelled(
          store,
          filterFor(tenantB, timezone),
          SIGNUP_THEN_VIEW,
          'day',
          timezone,
        );
        expect({ store: store.kind, ...other }).toEqual({
          store: store.kind,
          sizes: { [day(1)]: 1 },
          cells: {},
        });
      }
    });

    it.each([
      ['day', SIGNUP_THEN_VIEW, []],
      ['week', SIGNUP_THEN_VIEW, []],
      ['day', { cohortEvent: 'purchase', returnEvent: 'purchase' }, [['plan', 'pro']]],
      ['week', {}, []],
      ['day', { returnEvent: 'purchase' }, []],
    ] as const)(
      'random events per %s, %j, filters %j: as the reference',
      async (interval, events, extra) => {
        const properties = extra.map(([key, value]): [string, string] => [key, value]);
        const filter = filterFor(tenantA, timezone, properties, `random ${timezone}`);
        // The random events are labelled by their own timezone; bucket them in that one.
        const expected = reference(rows, filter, events, interval, timezone);
        expect(Object.keys(expected.cells).length).toBeGreaterThan(interval === 'day' ? 10 : 2);
        for (const store of both.stores) {
          expect({
            store: store.kind,
            ...(await labelled(store, filter, events, interval, timezone)),
          }).toEqual({ store: store.kind, ...expected });
        }
      },
    );
  });
});
