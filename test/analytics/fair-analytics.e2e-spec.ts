import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Controller, Get, Query } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { BackgroundQueryRunner } from '../../src/analytics/fair/background-query.runner';
import { FairQueryService } from '../../src/analytics/fair/fair-query.service';
import { currentQueryLimits } from '../../src/analytics/fair/query-limits';
import { isRefusal, QuerySlotsStore } from '../../src/analytics/fair/query-slots.store';
import { selectWithinRowsCap } from '../../src/analytics/stores/clickhouse-rows-watch';
import { ANALYTICS_STORE, type AnalyticsStore } from '../../src/analytics/stores/analytics-store';
import type { ClickHouseEventStore } from '../../src/ingestion/store/clickhouse-event.store';
import { EVENT_STORE } from '../../src/ingestion/store/event-store';
import { Public } from '../../src/tenancy/scope/access-policy';
import { TenantsService } from '../../src/tenancy/tenants.service';
import { anEvent } from '../support/ingestion';
import { connectAs } from '../support/sql';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  TestApp,
  tenantToken,
} from '../support/test-app';

/** A marker in the SQL of the slow ClickHouse read, to find it in system.processes. */
const SLOW_MARKER = `fair-slow-${randomUUID()}`;

/**
 * A test-only route: one ClickHouse read of many seconds (sleep blocks) answered through
 * FairQueryService for the tenant named, as an analytics route would.
 */
@Controller('test-fair-slow-read')
class FairSlowReadController {
  constructor(private readonly modules: ModuleRef) {}

  @Get()
  @Public()
  async run(@Query('tenant') tenantId: string): Promise<unknown> {
    const tenant = await this.modules.get(TenantsService, { strict: false }).findById(tenantId);
    const store = this.modules.get<ClickHouseEventStore>(EVENT_STORE, { strict: false });
    return this.modules.get(FairQueryService, { strict: false }).answer({
      tenant: tenant!,
      route: 'test_slow',
      normalised: randomUUID(),
      reads: { from: new Date(Date.now() - 1000), to: new Date() },
      // As the ClickHouse analytics store reads: within the tenant's rows per query.
      compute: async () =>
        (
          await selectWithinRowsCap(
            store,
            `SELECT count() AS n, '${SLOW_MARKER}' AS marker
               FROM (SELECT sleep(0.2) FROM system.numbers LIMIT 1900000)`,
            currentQueryLimits()?.rowsPerQuery,
          )
        ).rows,
    });
  }
}

/**
 * Issue 16, items 2 and 3 over HTTP on each store: the plan's analytics limits (429 for
 * concurrent queries with its reason, 503 for the time per query, admin overrides) and the
 * result cache (X-Cache, data versions, never across tenants); and query fairness: one tenant
 * firing 40 heavy funnels at once gets 200s and 429s, never a 500, while another's summaries
 * keep answering.
 */
describe.each([
  ['postgres', { KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ANALYTICS_CACHE_SECONDS: '60' }],
  ['clickhouse', { KAFKA_BROKERS: '', ANALYTICS_CACHE_SECONDS: '60' }],
])('Fair analytics on %s', (store, env) => {
  let t: TestApp;
  let owner: Client;
  let clickhouse: ClickHouseClient;
  const database = process.env.CLICKHOUSE_DATABASE!;
  const hour = 3_600_000;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const range = { from: at(24 * hour), to: at(-60_000) };

  beforeAll(async () => {
    t = await createTestApp({ env, controllers: [FairSlowReadController] });
    expect(t.app.get<AnalyticsStore>(ANALYTICS_STORE).kind).toBe(store);
    owner = await connectAs('owner');
    clickhouse = createClient({
      url: process.env.CLICKHOUSE_URL,
      log: { level: ClickHouseLogLevel.OFF },
    });
  });
  afterAll(async () => {
    await owner.end();
    await clickhouse.close();
    await t.close();
  });

  const setOverrides = (tenantId: string, overrides: Record<string, unknown>) =>
    t.http.put(`/admin/tenants/${tenantId}/overrides`).set(adminAuth).send(overrides).expect(200);

  const summary = (auth: { Authorization: string }, query: Record<string, string> = range) =>
    t.http.get('/v1/analytics/summary').query(query).set(auth);

  /** A counter's value for the labels given (in any order on the line). */
  async function metric(name: string, labels: string[]): Promise<number> {
    const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** `count` events of A spread over the last day: funnel steps of 20,000 users. */
  async function loadEvents(tenantId: string, count: number): Promise<void> {
    if (store === 'postgres') {
      await owner.query('BEGIN');
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      await owner.query(
        `INSERT INTO events (tenant_id, event_id, "timestamp", event_type, user_id, session_id,
                             properties, received_at)
         SELECT $1, gen_random_uuid(), now() - (n % 80000) * interval '1 second',
                (ARRAY['signup', 'activate', 'purchase'])[1 + n % 3], 'u' || (n % 20000),
                's' || (n % 5000), '{}', now()
           FROM generate_series(1, $2::integer) n`,
        [tenantId, count],
      );
      await owner.query('COMMIT');
      await owner.query('ANALYZE events');
    } else {
      await clickhouse.command({
        query: `INSERT INTO ${database}.events
                SELECT toUUID('${tenantId}'), generateUUIDv4(), toDateTime(now() - number % 80000),
                       arrayElement(['signup', 'activate', 'purchase'], 1 + number % 3),
                       concat('u', toString(number % 20000)), concat('s', toString(number % 5000)),
                       '{}', now(), now()
                  FROM system.numbers LIMIT ${count}`,
      });
    }
  }

  it('shows the analytics limits in the terms, per tier, and lets an admin override them', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const terms = async () =>
      (await t.http.get(`/admin/tenants/${tenant.id}`).set(adminAuth).expect(200)).body.terms;
    expect(await terms()).toMatchObject({
      analytics_concurrent_queries: 4,
      analytics_query_seconds: 20,
      analytics_rows_per_query: 100_000_000,
    });
    await setOverrides(tenant.id, { analytics_concurrent_queries: 1, analytics_query_seconds: 3 });
    expect(await terms()).toMatchObject({
      analytics_concurrent_queries: 1,
      analytics_query_seconds: 3,
      analytics_rows_per_query: 100_000_000,
    });
    const bad = await t.http
      .put(`/admin/tenants/${tenant.id}/overrides`)
      .set(adminAuth)
      .send({ analytics_concurrent_queries: 0, analytics_query_seconds: 'soon' })
      .expect(400);
    expect([...new Set(bad.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
      'analytics_concurrent_queries',
      'analytics_query_seconds',
    ]);
  });

  it('refuses a query past the concurrent queries with 429, its reason and Retry-After', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const auth = bearer(tenantToken(tenant.id));
    await setOverrides(tenant.id, { analytics_concurrent_queries: 1 });
    // Another app copy runs a query of this tenant: it holds the only slot.
    const slots = t.app.get(QuerySlotsStore);
    const elsewhere = await slots.acquire(tenant.id, 1);
    if (isRefusal(elsewhere)) throw new Error('the slot should be free');
    const before = await metric('tenantry_analytics_query_refusals_total', [
      'tier="growth"',
      'reason="concurrent_queries"',
    ]);
    const refused = await summary(auth).expect(429);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      reason: 'concurrent_queries',
      tier: 'growth',
      limit: 1,
      retry_after: expect.any(Number),
    });
    expect(Number(refused.headers['retry-after'])).toBe(refused.body.retry_after);
    expect(refused.headers['x-cache']).toBe('miss');
    expect(
      await metric('tenantry_analytics_query_refusals_total', [
        'tier="growth"',
        'reason="concurrent_queries"',
      ]),
    ).toBe(before + 1);
    // The override raised: the same query runs beside the other one.
    await setOverrides(tenant.id, { analytics_concurrent_queries: 2 });
    await summary(auth).expect(200);
    await elsewhere.release();
  });

  it('stops a query past the tenant’s time per query with 503 naming the limit', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    await setOverrides(tenant.id, { analytics_query_seconds: 1 });
    const started = Date.now();
    let response;
    if (store === 'postgres') {
      // Another session holds the events table: the read waits until its statement_timeout.
      const locker = await connectAs('owner');
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
        response = await summary(bearer(tenantToken(tenant.id)));
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
    } else {
      response = await t.http.get('/test-fair-slow-read').query({ tenant: tenant.id });
      // Killed on the server, not only abandoned by the client.
      expect(await slowReadGone()).toBe(true);
    }
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ limit: 'analytics_query_seconds' });
    expect(response.body.message).toMatch(/1 s per query/);
    // Stopped at the tenant's second, far before the store's own ceiling (15 s, 30 s).
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  /** Whether the slow ClickHouse read still runs on the server, polled for up to 5 s. */
  async function slowReadGone(): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      const result = await clickhouse.query({
        query: `SELECT count() AS n FROM system.processes WHERE query LIKE '%${SLOW_MARKER}%' AND query NOT LIKE '%system.processes%'`,
        format: 'JSONEachRow',
      });
      if ((await result.json<{ n: string }>())[0].n === '0') return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  if (store === 'clickhouse') {
    it('stops a read past the tenant’s rows per query with 422 naming the limit', async () => {
      const tenant = await createTenant(t.http, { tier: 'growth' });
      // Under the reader profile's own ceiling (2M on the dev stack): the tenant's cap acts.
      await setOverrides(tenant.id, { analytics_rows_per_query: 200_000 });
      const started = Date.now();
      const response = await t.http.get('/test-fair-slow-read').query({ tenant: tenant.id });
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ limit: 'analytics_rows_per_query' });
      expect(response.body.message).toMatch(/200000 rows per query/);
      // About four blocks of 65,536 rows at 0.2 s each, not the read's 6 s.
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(await slowReadGone()).toBe(true);
    });
  }

  it('answers the same question from the cache, whatever the parameter order', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    await t.http
      .post('/v1/events')
      .set(auth)
      .send({ events: [anEvent({ timestamp: at(hour), properties: { a: 'x', b: 'y' } })] })
      .expect(202);
    const query = { ...range, 'property.a': 'x', 'property.b': 'y' };
    const first = await summary(auth, query).expect(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.body.metrics.events.value).toBe(1);
    const reordered = { 'property.b': 'y', to: range.to, 'property.a': 'x', from: range.from };
    const second = await summary(auth, reordered).expect(200);
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toEqual(first.body);
    // The defaulted range (the last 7 days until now) is one question too.
    expect((await summary(auth, {}).expect(200)).headers['x-cache']).toBe('miss');
    expect((await summary(auth, {}).expect(200)).headers['x-cache']).toBe('hit');
    // Another route, another answer.
    const timeseries = () =>
      t.http.get('/v1/analytics/timeseries').query(range).set(auth).expect(200);
    expect((await timeseries()).headers['x-cache']).toBe('miss');
    expect((await timeseries()).headers['x-cache']).toBe('hit');
  });

  it('is invalidated by a new event in the range and not by one outside it', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const send = (timestamp: string) =>
      t.http
        .post('/v1/events')
        .set(auth)
        .send({ events: [anEvent({ timestamp })] })
        .expect(202);
    // A range of two days ending three days ago, and its period before.
    const old = { from: at(5 * 24 * hour), to: at(3 * 24 * hour) };
    await send(at(4 * 24 * hour));
    expect((await summary(auth, old).expect(200)).headers['x-cache']).toBe('miss');
    await send(at(hour)); // today: outside the range and its period before
    const kept = await summary(auth, old).expect(200);
    expect(kept.headers['x-cache']).toBe('hit');
    expect(kept.body.metrics.events.value).toBe(1);
    await send(at(4 * 24 * hour + hour)); // inside
    const fresh = await summary(auth, old).expect(200);
    expect(fresh.headers['x-cache']).toBe('miss');
    expect(fresh.body.metrics.events.value).toBe(2);
    // An event in the period before changes the summary's `previous`: it is read too.
    await send(at(6 * 24 * hour));
    const previous = await summary(auth, old).expect(200);
    expect(previous.headers['x-cache']).toBe('miss');
    expect(previous.body.metrics.events.previous).toBe(1);
  });

  it('never serves one tenant’s answer to another', async () => {
    const [a, b] = [await createTenant(t.http), await createTenant(t.http)];
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(a.id)))
      .send({ events: [anEvent({ timestamp: at(hour) }), anEvent({ timestamp: at(2 * hour) })] })
      .expect(202);
    const ofA = await summary(bearer(tenantToken(a.id))).expect(200);
    expect(ofA.body.metrics.events.value).toBe(2);
    expect((await summary(bearer(tenantToken(a.id))).expect(200)).headers['x-cache']).toBe('hit');
    const ofB = await summary(bearer(tenantToken(b.id))).expect(200);
    expect(ofB.headers['x-cache']).toBe('miss');
    expect(ofB.body.metrics.events.value).toBe(0);
  });

  it('keeps a cache hit out of the query duration histogram and the tenant’s query p95', async () => {
    const tenant = await createTenant(t.http);
    const auth = bearer(tenantToken(tenant.id));
    const observed = () =>
      metric('tenantry_analytics_query_duration_seconds_count', [
        'kind="summary"',
        `store="${store}"`,
      ]);
    // The health card's query count and p95: read from the tenant's query cost log.
    const card = async () =>
      (await t.http.get(`/admin/tenants/${tenant.id}/health`).set(adminAuth).expect(200)).body
        .queries;
    const before = await observed();
    expect((await summary(auth).expect(200)).headers['x-cache']).toBe('miss');
    const afterMiss = { observed: await observed(), card: await card() };
    expect(afterMiss.observed).toBe(before + 1);
    expect(afterMiss.card).toMatchObject({ queries: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await summary(auth).expect(200)).headers['x-cache']).toBe('hit');
    }
    expect(await observed()).toBe(afterMiss.observed);
    expect(await card()).toEqual(afterMiss.card);
  });

  if (store === 'postgres') {
    it('answers 503 naming the time per query, with Retry-After, when a background turn does not come in time', async () => {
      const tenant = await createTenant(t.http, { tier: 'growth' });
      await setOverrides(tenant.id, { analytics_query_seconds: 1 });
      // Another tenant's background queries hold every turn of this app copy.
      const runner = t.app.get(BackgroundQueryRunner);
      const turns = t.app.get(ConfigService).get<number>('ANALYTICS_BACKGROUND_QUERIES')!;
      let end!: () => void;
      const held = new Promise<void>((resolve) => (end = resolve));
      const other = randomUUID();
      const holding = Array.from({ length: turns }, () =>
        runner.run(other, { maxWaitSeconds: 60 }, () => held),
      );
      const timeouts = () =>
        metric('tenantry_analytics_query_turn_timeouts_total', ['tier="growth"']);
      const before = await timeouts();
      try {
        // A funnel always runs in the background.
        const response = await t.http
          .post('/v1/analytics/funnel')
          .query(range)
          .set(bearer(tenantToken(tenant.id)))
          .send({ steps: ['signup', 'purchase'], window_seconds: 3600 });
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({ limit: 'analytics_query_seconds' });
        expect(response.body.message).toMatch(/waited longer than the 1 s per query/);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.headers['x-cache']).toBe('miss');
        expect(await timeouts()).toBe(before + 1);
      } finally {
        end();
        await Promise.all(holding);
      }
      // Its turn is free again once the others end.
      await t.http
        .post('/v1/analytics/funnel')
        .query(range)
        .set(bearer(tenantToken(tenant.id)))
        .send({ steps: ['signup', 'purchase'], window_seconds: 3600 })
        .expect(200);
    });
  }

  it('answers a hit without a query slot', async () => {
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const auth = bearer(tenantToken(tenant.id));
    await setOverrides(tenant.id, { analytics_concurrent_queries: 1 });
    await summary(auth).expect(200);
    const elsewhere = await t.app.get(QuerySlotsStore).acquire(tenant.id, 1);
    if (isRefusal(elsewhere)) throw new Error('the slot should be free');
    const hit = await summary(auth).expect(200);
    expect(hit.headers['x-cache']).toBe('hit');
    await summary(auth, { from: range.from }).expect(429);
    await elsewhere.release();
  });

  it('gives a tenant firing 40 heavy funnels 200s and 429s, never a 500, while another keeps answering', async () => {
    const a = await createTenant(t.http, { tier: 'growth' });
    const b = await createTenant(t.http, { tier: 'growth' });
    await setOverrides(a.id, { analytics_concurrent_queries: 2 });
    await loadEvents(a.id, 150_000);
    await t.http
      .post('/v1/events')
      .set(bearer(tenantToken(b.id)))
      .send({ events: [anEvent({ timestamp: at(hour) })] })
      .expect(202);
    const authA = bearer(tenantToken(a.id));
    // 40 different funnels (by window), so none is answered from the cache.
    const funnels = Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.http
          .post('/v1/analytics/funnel')
          .query(range)
          .set(authA)
          .send({ steps: ['signup', 'activate', 'purchase'], window_seconds: 3600 + i }),
      ),
    );
    const bStatuses: number[] = [];
    let done = false;
    const bLoop = (async () => {
      let i = 0;
      while (!done || i < 3) {
        // A new range each time: B's answers come from the store, not the cache.
        const response = await summary(bearer(tenantToken(b.id)), {
          from: at(24 * hour + i * 1000),
          to: range.to,
        });
        bStatuses.push(response.status);
        i += 1;
      }
    })();
    const answers = await funnels;
    done = true;
    await bLoop;
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    for (const answer of answers.filter((x) => x.status === 429)) {
      expect(answer.body).toMatchObject({ reason: 'concurrent_queries', limit: 2 });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(new Set(bStatuses)).toEqual(new Set([200]));
    const ok = answers.find((answer) => answer.status === 200)!;
    expect(ok.body.steps[0].users).toBeGreaterThan(0);
  });
});
