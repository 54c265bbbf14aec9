import type { EventFilter } from '../../src/analytics/query/analytics-query';
import type { FunnelDefinition } from '../../src/analytics/query/funnel';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { type BothStores, eventRow, openBothStores } from '../support/analytics-stores';
import { ClickHouseTestCluster } from '../support/clickhouse-cluster';
import { createTenant, createTestApp, TestApp } from '../support/test-app';

const HOUR = 3_600_000;
const STEPS = ['signup', 'activate', 'purchase'];
const WINDOW = 3600;

/** One scenario: events as [type, seconds after the range start, user]; users per step expected. */
interface Scenario {
  name: string;
  events: [type: string, seconds: number, user: string][];
  expected: number[];
  steps?: string[];
  windowSeconds?: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'steps in order',
    events: [
      ['signup', 0, 'u'],
      ['activate', 100, 'u'],
      ['purchase', 200, 'u'],
    ],
    expected: [1, 1, 1],
  },
  {
    name: 'steps in reverse order',
    events: [
      ['purchase', 0, 'u'],
      ['activate', 100, 'u'],
      ['signup', 200, 'u'],
    ],
    expected: [1, 0, 0],
  },
  {
    name: 'the last two steps swapped',
    events: [
      ['signup', 0, 'u'],
      ['purchase', 100, 'u'],
      ['activate', 200, 'u'],
    ],
    expected: [1, 1, 0],
  },
  {
    name: 'the last step exactly at the window’s end',
    events: [
      ['signup', 0, 'u'],
      ['activate', 10, 'u'],
      ['purchase', 3600, 'u'],
    ],
    expected: [1, 1, 1],
  },
  {
    name: 'the last step one second past the window',
    events: [
      ['signup', 0, 'u'],
      ['activate', 10, 'u'],
      ['purchase', 3601, 'u'],
    ],
    expected: [1, 1, 0],
  },
  {
    name: 'the window runs from step 1, not from the step before',
    events: [
      ['signup', 0, 'u'],
      ['activate', 3000, 'u'],
      ['purchase', 3700, 'u'],
    ],
    expected: [1, 1, 0],
  },
  {
    name: 'a later step-1 event starts a fresh window',
    events: [
      ['signup', 0, 'u'],
      ['signup', 5000, 'u'],
      ['activate', 5100, 'u'],
      ['purchase', 8000, 'u'],
    ],
    expected: [1, 1, 1],
  },
  {
    name: 'a fresh start cannot use a step done before it',
    events: [
      ['signup', 0, 'u'],
      ['activate', 3000, 'u'],
      ['signup', 3500, 'u'],
      ['purchase', 3700, 'u'],
    ],
    expected: [1, 1, 0],
  },
  {
    name: 'repeated steps and other events in between',
    events: [
      ['signup', 0, 'u'],
      ['page_view', 5, 'u'],
      ['activate', 10, 'u'],
      ['activate', 20, 'u'],
      ['page_view', 25, 'u'],
      ['purchase', 30, 'u'],
      ['purchase', 40, 'u'],
    ],
    expected: [1, 1, 1],
  },
  {
    // Written last step first: the order rows are stored in must not matter (18.16 would
    // otherwise order ties by arrival, and by event_id within a part).
    name: 'all steps in the same second, for many users',
    events: Array.from({ length: 30 }, (_, i) =>
      ['purchase', 'activate', 'signup'].map(
        (type) => [type, 60, `tie-${i}`] as [string, number, string],
      ),
    ).flat(),
    expected: [30, 30, 30],
  },
  {
    name: 'a one-second window with steps in the same and the next second',
    events: [
      ['activate', 50, 'a'],
      ['signup', 50, 'a'],
      ['purchase', 51, 'a'],
      ['signup', 70, 'b'],
      ['activate', 72, 'b'],
    ],
    windowSeconds: 1,
    expected: [2, 1, 1],
  },
  {
    name: 'events without a user id never count',
    events: [
      ['signup', 0, ''],
      ['activate', 10, ''],
      ['purchase', 20, ''],
      ['signup', 0, 'u'],
    ],
    expected: [1, 0, 0],
  },
  {
    name: 'several users at different depths',
    events: [
      ['signup', 0, 'u1'],
      ['activate', 10, 'u1'],
      ['purchase', 20, 'u1'],
      ['signup', 0, 'u2'],
      ['activate', 10, 'u2'],
      ['signup', 0, 'u3'],
      ['activate', 10, 'u4'],
      ['purchase', 20, 'u4'],
    ],
    expected: [3, 2, 1],
  },
  {
    name: 'a step before `from` does not count',
    events: [
      ['signup', -10, 'u'],
      ['activate', 10, 'u'],
      ['purchase', 20, 'u'],
    ],
    expected: [0, 0, 0],
  },
  {
    name: 'eight steps, the fifth missing for one user',
    steps: ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'],
    events: [
      ...['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'].map(
        (type, i) => [type, i * 10, 'full'] as [string, number, string],
      ),
      ...['s1', 's2', 's3', 's4', 's6', 's7', 's8'].map(
        (type, i) => [type, i * 10, 'gap'] as [string, number, string],
      ),
    ],
    expected: [2, 2, 2, 2, 1, 1, 1, 1],
  },
];

/**
 * The deepest step each user reaches, computed here without the stores' method: for each
 * step-1 event, take the earliest possible event of each next step (never before the step
 * before it, within the window of the start); the best start wins.
 */
function referenceFunnel(rows: EventRow[], filter: EventFilter, funnel: FunnelDefinition) {
  const perUser = new Map<string, { type: string; second: number }[]>();
  for (const row of rows) {
    if (
      row.tenantId !== filter.tenantId ||
      row.userId === '' ||
      row.timestamp < filter.from ||
      row.timestamp >= filter.to ||
      !filter.properties.every(([key, value]) => String(row.properties[key]) === value)
    )
      continue;
    const events = perUser.get(row.userId) ?? [];
    events.push({ type: row.eventType, second: Math.floor(row.timestamp.getTime() / 1000) });
    perUser.set(row.userId, events);
  }
  const users = funnel.steps.map(() => 0);
  for (const events of perUser.values()) {
    let deepest = 0;
    for (const start of events.filter((e) => e.type === funnel.steps[0])) {
      let depth = 1;
      let previous = start.second;
      for (const step of funnel.steps.slice(1)) {
        const next = events
          .filter(
            (e) =>
              e.type === step &&
              e.second >= previous &&
              e.second <= start.second + funnel.windowSeconds,
          )
          .map((e) => e.second)
          .sort((a, b) => a - b)[0];
        if (next === undefined) break;
        previous = next;
        depth += 1;
      }
      deepest = Math.max(deepest, depth);
    }
    for (let step = 0; step < deepest; step++) users[step] += 1;
  }
  return users;
}

/** Half of a user's events close together (ties likely), half spread over the hour. */
function fuzzSecond(user: number, random: () => number): number {
  return random() < 0.5
    ? (user % 30) * 100 + Math.floor(random() * 20) * 2
    : Math.floor(random() * 720) * 5;
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('funnel parity: ClickHouse and PostgreSQL count the same users per step, and the right ones', () => {
  let t: TestApp;
  let both: BothStores;
  const cluster = new ClickHouseTestCluster();
  let tenantA: string;
  let tenantB: string;
  const rows: EventRow[] = [];
  // Whole hours 10 days back: within every plan's retention and the stores' partitions.
  const from = new Date(Math.floor((Date.now() - 240 * HOUR) / HOUR) * HOUR);
  const to = new Date(from.getTime() + 24 * HOUR);
  const at = (seconds: number) => new Date(from.getTime() + seconds * 1000);
  const filterFor = (tenantId: string, scenario: string): EventFilter => ({
    tenantId,
    from,
    to,
    properties: [['scenario', scenario]],
  });

  beforeAll(async () => {
    t = await createTestApp();
    tenantA = (await createTenant(t.http)).id;
    tenantB = (await createTenant(t.http)).id;
    // The same answers from a two-shard ClickHouse cluster (README, "ClickHouse cluster").
    await cluster.up();
    both = await openBothStores(t, cluster);
    for (const scenario of SCENARIOS) {
      for (const [type, seconds, user] of scenario.events) {
        rows.push(eventRow(tenantA, type, at(seconds), user, { scenario: scenario.name }));
      }
    }
    // Sub-second times: the stores count whole seconds (ClickHouse keeps no more).
    rows.push(
      eventRow(tenantA, 'signup', new Date(at(10).getTime() + 800), 'u', { scenario: 'ms' }),
      eventRow(tenantA, 'activate', new Date(at(10).getTime() + 200), 'u', { scenario: 'ms' }),
      eventRow(tenantA, 'purchase', new Date(at(3610).getTime() + 900), 'u', { scenario: 'ms' }),
    );
    // A step at `to` is outside the range.
    rows.push(
      eventRow(tenantA, 'signup', at(86_399), 'u', { scenario: 'edge of to' }),
      eventRow(tenantA, 'activate', at(86_399), 'u', { scenario: 'edge of to' }),
      eventRow(tenantA, 'purchase', to, 'u', { scenario: 'edge of to' }),
    );
    // Another tenant finishes the funnel of tenant A's user (same user id, same scenario).
    rows.push(
      eventRow(tenantA, 'signup', at(0), 'shared', { scenario: 'tenants' }),
      eventRow(tenantB, 'signup', at(0), 'shared', { scenario: 'tenants' }),
      eventRow(tenantB, 'activate', at(10), 'shared', { scenario: 'tenants' }),
      eventRow(tenantB, 'purchase', at(20), 'shared', { scenario: 'tenants' }),
    );
    // A property filter applies to every step.
    rows.push(
      eventRow(tenantA, 'signup', at(0), 'u', { scenario: 'plans', plan: 'pro' }),
      eventRow(tenantA, 'activate', at(10), 'u', { scenario: 'plans', plan: 'free' }),
      eventRow(tenantA, 'purchase', at(20), 'u', { scenario: 'plans', plan: 'pro' }),
    );
    // Random events, many in the same second: compared with the reference below.
    const random = seeded(7);
    const types = ['signup', 'activate', 'purchase', 'page_view'];
    for (let i = 0; i < 1500; i++) {
      const user = Math.floor(random() * 150);
      rows.push(
        eventRow(
          tenantA,
          types[Math.floor(random() * types.length)],
          new Date(at(fuzzSecond(user, random)).getTime() + Math.floor(random() * 1000)),
          user < 10 ? '' : `fuzz-${user}`,
          { scenario: 'fuzz', plan: random() < 0.8 ? 'pro' : 'free' },
        ),
      );
    }
    await both.write(rows);
    // Re-delivered events must not change any answer.
    await both.write(rows.slice(0, 200));
  });
  afterAll(async () => {
    await both.close();
    await t.close();
    await cluster.down();
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const funnel = {
      steps: scenario.steps ?? STEPS,
      windowSeconds: scenario.windowSeconds ?? WINDOW,
    };
    const filter = filterFor(tenantA, scenario.name);
    expect(referenceFunnel(rows, filter, funnel)).toEqual(scenario.expected);
    for (const store of both.stores) {
      expect({ store: store.kind, users: await store.funnel(filter, funnel) }).toEqual({
        store: store.kind,
        users: scenario.expected,
      });
    }
  });

  it.each([
    ['sub-second times count in whole seconds', 'A', 'ms', [], [1, 1, 1]],
    ['a step at `to` is outside the range', 'A', 'edge of to', [], [1, 1, 0]],
    ['another tenant’s events never count', 'A', 'tenants', [], [1, 0, 0]],
    ['the other tenant sees its own', 'B', 'tenants', [], [1, 1, 1]],
    ['without a property filter', 'A', 'plans', [], [1, 1, 1]],
    ['a property filter on every step', 'A', 'plans', [['plan', 'pro']], [1, 0, 0]],
  ] as const)('%s', async (_name, tenant, scenario, extra, expected) => {
    const base = filterFor(tenant === 'A' ? tenantA : tenantB, scenario);
    const filter: EventFilter = {
      ...base,
      properties: [
        ...base.properties,
        ...extra.map(([key, value]): [string, string] => [key, value]),
      ],
    };
    const funnel = { steps: STEPS, windowSeconds: WINDOW };
    for (const store of both.stores) {
      expect({ store: store.kind, users: await store.funnel(filter, funnel) }).toEqual({
        store: store.kind,
        users: expected,
      });
    }
  });

  it.each([
    [['signup', 'activate', 'purchase'], 1, []],
    [['signup', 'activate', 'purchase'], 60, []],
    [['signup', 'activate', 'purchase'], 600, [['plan', 'pro']]],
    [['purchase', 'signup'], 300, []],
    [['page_view', 'signup', 'activate', 'purchase'], 1800, []],
  ] as const)(
    'random events: steps %j, window %i s, filters %j, as the reference counts',
    async (steps, windowSeconds, extra) => {
      const filter = filterFor(tenantA, 'fuzz');
      filter.properties.push(...extra.map(([key, value]): [string, string] => [key, value]));
      const funnel = { steps: [...steps], windowSeconds };
      const expected = referenceFunnel(rows, filter, funnel);
      expect(expected[1]).toBeGreaterThan(0); // the data exercises more than step 1
      for (const store of both.stores) {
        expect({ store: store.kind, users: await store.funnel(filter, funnel) }).toEqual({
          store: store.kind,
          users: expected,
        });
      }
    },
  );
});
