import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import { ClosedWeekCompactionRunner } from '../../src/analytics/compaction/closed-week-compaction.runner';
import type { EventFilter } from '../../src/analytics/query/analytics-query';
import { weekStart } from '../../src/analytics/stores/clean-weeks';
import { ClickHouseAnalyticsStore } from '../../src/analytics/stores/clickhouse-analytics.store';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const TYPES = ['page_view', 'signup', 'purchase'];
const COUNTRIES = ['DE', 'FR', 'US'];

/**
 * Issue 19: the compaction job merges each closed UTC week of ClickHouse events into one part,
 * and analytics count such a week without FINAL. On the real server, in a database of its own
 * (the job works on every week of its database): re-delivered events are counted once before the
 * merge (FINAL), after it (plain reads of the merged weeks), and when a late re-delivery dirties
 * a merged week again.
 */
describe('closed-week compaction: merged weeks counted without FINAL, answers unchanged', () => {
  const database = `${process.env.CLICKHOUSE_DATABASE!}_compaction`;
  // Three and two weeks back (closed, whatever the hour), and the open week.
  const open = weekStart(Date.now());
  const [first, second] = [open - 3 * WEEK, open - 2 * WEEK];
  const weekId = (at: number) => new Date(at).toISOString().slice(0, 10);
  const tenant = randomUUID();
  const other = randomUUID();
  let admin: ClickHouseClient;
  let store: ClickHouseEventStore;
  let analytics: ClickHouseAnalyticsStore;
  let compactor: ClosedWeekCompactionRunner;
  let texts: string[];
  let rows: EventRow[];

  const eventsOf = (tenantId: string, count: number, seed: number): EventRow[] => {
    let state = seed;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    return Array.from({ length: count }, (_, i) => {
      const week = [first, second, open][i % 3];
      const offset = week === open ? random() * Math.max(1, Date.now() - open) : random() * WEEK;
      return {
        tenantId,
        eventId: randomUUID(),
        eventType: TYPES[Math.floor(random() * TYPES.length)],
        timestamp: new Date(Math.floor((week + offset) / 1000) * 1000),
        userId: `u${Math.floor(random() * 20)}`,
        sessionId: '',
        properties: { country: COUNTRIES[Math.floor(random() * COUNTRIES.length)] },
        receivedAt: new Date(),
      };
    });
  };

  const filter = (tenantId = tenant): EventFilter => ({
    tenantId,
    from: new Date(first + 3 * 3_600_000),
    to: new Date(Date.now() + 60_000),
    properties: [],
  });

  /** What every counted route must answer, from the distinct events themselves. */
  const expected = (f: EventFilter) => {
    const hits = rows.filter(
      (r) => r.tenantId === f.tenantId && r.timestamp >= f.from && r.timestamp < f.to,
    );
    const tally = (key: (r: EventRow) => string | number) =>
      [...hits.reduce((m, r) => m.set(key(r), (m.get(key(r)) ?? 0) + 1), new Map()).entries()]
        .map(([value, events]) => ({ value, events }))
        .sort((a, b) => b.events - a.events || (a.value < b.value ? -1 : 1));
    return {
      events: hits.length,
      perDay: tally((r) => Math.floor(r.timestamp.getTime() / DAY) * DAY),
      types: tally((r) => r.eventType),
      countries: tally((r) => String(r.properties.country)),
    };
  };

  const answers = async (f: EventFilter) => {
    const perDay = await analytics.timeseries(f, 'events', 'day', 'UTC');
    return {
      events: await analytics.countEvents(f),
      perDay: [...perDay.entries()]
        .map(([value, events]) => ({ value, events }))
        .sort((a, b) => b.events - a.events || a.value - b.value),
      types: await analytics.breakdown(f, { kind: 'event_type' }, 10),
      countries: await analytics.breakdown(f, { kind: 'property', key: 'country' }, 10),
    };
  };

  const activeParts = async (week: number) =>
    (
      await store.writerSelect<{ name: string; level: number }>(
        `SELECT name, level FROM system.parts WHERE active AND database = '${database}'
            AND table = 'events' AND partition_id = '${weekId(week).replace(/-/g, '')}'`,
      )
    ).map((part) => Number(part.level));

  beforeAll(async () => {
    admin = createClient({ url: process.env.CLICKHOUSE_URL! });
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    store = new ClickHouseEventStore(process.env.CLICKHOUSE_URL!, database);
    await store.prepare();
    analytics = new ClickHouseAnalyticsStore(store, database);
    compactor = new ClosedWeekCompactionRunner(
      { get: () => store } as unknown as ModuleRef,
      new Counter({ name: 'test_weeks_compacted', help: 'test', registers: [] }),
    );
    texts = [];
    const select = store.selectWithStatistics.bind(store);
    jest.spyOn(store, 'selectWithStatistics').mockImplementation((sql, tenantId) => {
      texts.push(sql);
      return select(sql, tenantId);
    });
    rows = [...eventsOf(tenant, 240, 11), ...eventsOf(other, 90, 12)];
    // Three inserts (three parts a week), then 60 of them again: re-deliveries across parts.
    for (const batch of [rows.slice(0, 110), rows.slice(110, 220), rows.slice(220)])
      await store.write(batch);
    await store.write(rows.slice(40, 100));
  });

  afterAll(async () => {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await Promise.all([admin.close(), store.close()]);
  });

  it('counts each event once with FINAL while no week is merged', async () => {
    expect([...(await store.cleanWeeks(tenant, new Date(first), new Date()))]).toEqual([]);
    texts.length = 0;
    expect(await answers(filter())).toEqual(expected(filter()));
    // Every count is the one FINAL read over the whole range.
    const counts = texts.filter((sql) => /count\(\)/.test(sql));
    expect(counts.length).toBe(4);
    for (const sql of counts) expect(sql).toMatch(/FINAL/);
  });

  it('merges each closed week into one part, leaves the open week, and a second run finds nothing', async () => {
    expect((await activeParts(first)).length).toBeGreaterThan(1);
    const progress: [number, number][] = [];
    const run = await compactor.compact({
      quietSeconds: 0,
      onProgress: (done, total) => void progress.push([done, total]),
    });
    expect(run).toEqual({ weeks: 2, remaining: 0 });
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    for (const week of [first, second]) {
      const levels = await activeParts(week);
      expect(levels).toHaveLength(1);
      expect(levels[0]).toBeGreaterThan(0);
    }
    expect((await activeParts(open)).every((level) => level === 0)).toBe(true);
    expect(await compactor.compact({ quietSeconds: 0 })).toEqual({ weeks: 0, remaining: 0 });
    expect([...(await store.cleanWeeks(tenant, new Date(first), new Date()))].sort()).toEqual([
      weekId(first),
      weekId(second),
    ]);
    // The open week stays under FINAL even merged: its next insert may come at any moment.
    await store.writerCommand(
      `OPTIMIZE TABLE ${database}.events PARTITION ID '${weekId(open).replace(/-/g, '')}' FINAL`,
    );
    expect(await activeParts(open)).toEqual([1]);
    expect([...(await store.cleanWeeks(tenant, new Date(first), new Date()))]).toHaveLength(2);
    // …until it is over: a week later, the same parts count it clean.
    const weekLater = new Date(Date.now() + WEEK);
    expect([...(await store.cleanWeeks(tenant, new Date(first), weekLater, weekLater))]).toContain(
      weekId(open),
    );
  });

  it('reads the merged weeks without FINAL and the open week with it, with the same answers', async () => {
    texts.length = 0;
    for (const tenantId of [tenant, other])
      expect(await answers(filter(tenantId))).toEqual(expected(filter(tenantId)));
    const counts = texts.filter((sql) => /count\(\)/.test(sql));
    expect(counts.length).toBe(8);
    for (const sql of counts) {
      // One read of the merged weeks without FINAL, one of the rest with it, added up.
      expect(sql).toMatch(/UNION ALL/);
      expect(sql.match(/FINAL/g)).toHaveLength(1);
    }
    // The merged weeks really hold each event once: a plain count equals FINAL's there.
    const plain = await store.writerSelect<{ n: string }>(
      `SELECT count() AS n FROM ${database}.events WHERE timestamp < toDateTime(${(second + WEEK) / 1000})`,
    );
    const folded = await store.writerSelect<{ n: string }>(
      `SELECT count() AS n FROM ${database}.events FINAL WHERE timestamp < toDateTime(${(second + WEEK) / 1000})`,
    );
    expect(plain[0].n).toBe(folded[0].n);
  });

  it('a late re-delivery into a merged week: FINAL again for that week until the next quiet run', async () => {
    await store.write(rows.filter((r) => r.timestamp.getTime() < second).slice(0, 20));
    expect((await activeParts(first)).length).toBe(2);
    expect([...(await store.cleanWeeks(tenant, new Date(first), new Date()))]).toEqual([
      weekId(second),
    ]);
    expect(await answers(filter())).toEqual(expected(filter()));
    // Changed just now: the default quiet period leaves it for a later run.
    expect(await compactor.compact()).toEqual({ weeks: 0, remaining: 0 });
    expect(await compactor.compact({ quietSeconds: 0 })).toEqual({ weeks: 1, remaining: 0 });
    expect(await answers(filter())).toEqual(expected(filter()));
  });

  it('answers exactly for a range cut inside merged weeks, and a filtered one', async () => {
    const cut: EventFilter = {
      tenantId: tenant,
      from: new Date(first + 2 * DAY + 7 * 3_600_000),
      to: new Date(second + 3 * DAY + 13 * 3_600_000),
      properties: [['country', 'DE']],
    };
    const hits = rows.filter(
      (r) =>
        r.tenantId === tenant &&
        r.timestamp >= cut.from &&
        r.timestamp < cut.to &&
        r.properties.country === 'DE',
    );
    expect(await analytics.countEvents(cut)).toBe(hits.length);
    expect(await analytics.countEvents({ ...cut, eventType: 'signup' })).toBe(
      hits.filter((r) => r.eventType === 'signup').length,
    );
  });
});
