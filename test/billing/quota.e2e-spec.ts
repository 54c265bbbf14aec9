import { getToken } from '@willsoto/nestjs-prometheus';
import type { Client } from 'pg';
import type { Counter } from 'prom-client';
import { QuotaCounterStore } from '../../src/billing/quota/quota-counter.store';
import { monthOf, QUOTA_FALLBACKS } from '../../src/billing/quota/quota.service';
import { UsageMeter } from '../../src/billing/usage/usage.meter';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { anEvent, eventually } from '../support/ingestion';
import { connectAs } from '../support/sql';
import { bearer, createTenant, createTestApp, type TestApp, tenantToken } from '../support/test-app';

/**
 * The monthly event quota across two app instances sharing PostgreSQL and Redis. A tenant is
 * brought near its quota the way production reconciles it: usage_daily holds the month's
 * accepted count, and a cold Redis counter starts from it (no test-only override).
 */
const NO_KAFKA = { KAFKA_BROKERS: '', CLICKHOUSE_URL: '' };
const STARTER_QUOTA = 1_000_000;
const GROWTH_QUOTA = 10_000_000;

describe('monthly event quota (two app instances)', () => {
  let one: TestApp;
  let two: TestApp;
  let owner: Client;

  beforeAll(async () => {
    one = await createTestApp({ env: NO_KAFKA });
    two = await createTestApp({ env: NO_KAFKA });
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    await owner.end();
    await one.close();
    await two.close();
  });

  /** Sets the tenant's accepted events of today in usage_daily, as if metered earlier. */
  async function alreadyAccepted(tenantId: string, accepted: number): Promise<void> {
    await owner.query('BEGIN');
    await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    await owner.query(
      `INSERT INTO usage_daily (tenant_id, day, events_accepted) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, day) DO UPDATE SET events_accepted = EXCLUDED.events_accepted`,
      [tenantId, new Date().toISOString().slice(0, 10), accepted],
    );
    await owner.query('COMMIT');
  }

  const post = (t: TestApp, tenantId: string, events: unknown[]) =>
    t.http
      .post('/v1/events')
      .set(bearer(tenantToken(tenantId)))
      .send({ events });

  const usageOf = async (tenantId: string) =>
    (await one.http.get('/v1/usage').set(bearer(tenantToken(tenantId))).expect(200)).body;

  const warningsIn = async (tenantId: string) =>
    (
      await one.http
        .get('/v1/audit-log?action=usage.quota_warning&limit=100')
        .set(bearer(tenantToken(tenantId)))
        .expect(200)
    ).body.data as { details: { threshold: number; used: number; quota: number } }[];

  const flushUsage = async () => {
    await one.app.get(UsageMeter).flush();
    await two.app.get(UsageMeter).flush();
  };

  it('50 concurrent batches crossing a starter quota on two instances: exactly the quota stored, every refusal says why', async () => {
    const tenant = await createTenant(one.http, { tier: 'starter' });
    const room = 500;
    await alreadyAccepted(tenant.id, STARTER_QUOTA - room);
    const batches = Array.from({ length: 50 }, () =>
      Array.from({ length: 20 }, () => anEvent({ event_type: 'quota_race' })),
    );
    const responses = await Promise.all(
      batches.map((events, i) => post(i % 2 === 0 ? one : two, tenant.id, events)),
    );

    let accepted = 0;
    let refused = 0;
    for (const response of responses) {
      if (response.status === 202) {
        accepted += response.body.accepted;
        for (const rejection of response.body.rejected) {
          refused += 1;
          expect(rejection.errors).toEqual([
            { field: 'quota', message: expect.stringMatching(/^quota_exceeded: /) },
          ]);
        }
        // A partly refused batch: the first events are the accepted ones.
        const indexes = response.body.rejected.map((r: { index: number }) => r.index);
        expect(indexes).toEqual(
          Array.from({ length: indexes.length }, (_, k) => 20 - indexes.length + k),
        );
      } else {
        expect(response.status).toBe(429);
        refused += 20;
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        expect(response.body).toMatchObject({
          statusCode: 429,
          reason: 'quota_exceeded',
          quota: STARTER_QUOTA,
          used: STARTER_QUOTA,
          resets_at: monthOf(new Date()).resetsAt.toISOString(),
        });
      }
    }
    expect(accepted).toBe(room);
    expect(refused).toBe(50 * 20 - room);
    expect(responses.some((r) => r.status === 429)).toBe(true);

    const store = one.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'quota_race'), room)).toBe(room);

    // The 100% warning, once in the tenant's own log although both instances took requests.
    const warnings = await warningsIn(tenant.id);
    expect(warnings.map((w) => w.details.threshold)).toEqual([100]);
    expect(warnings[0].details).toMatchObject({ quota: STARTER_QUOTA, used: STARTER_QUOTA });

    await flushUsage();
    const usage = await usageOf(tenant.id);
    expect(usage.events).toMatchObject({
      accepted: STARTER_QUOTA,
      limit: STARTER_QUOTA,
      percentage: 100,
      over_quota: 'refuse',
      overage: 0,
    });
    expect(usage.events.rejected).toBe(50 * 20 - room);
    expect(usage.warnings).toEqual([
      { threshold: 80, reached: true },
      { threshold: 100, reached: true },
    ]);

    // Redis loses the counter (a flush, a failover): it starts again from usage_daily, and
    // grants no second quota.
    const counters = one.app.get(QuotaCounterStore);
    await counters.client!.del(counters.counterKey(tenant.id, monthOf(new Date()).month));
    const again = await post(two, tenant.id, [anEvent()]);
    expect(again.status).toBe(429);
    expect(again.body.reason).toBe('quota_exceeded');
  });

  it('warns once at 80% across instances, in the audit log and GET /v1/usage', async () => {
    const tenant = await createTenant(one.http, { tier: 'starter' });
    await alreadyAccepted(tenant.id, STARTER_QUOTA * 0.8 - 10);
    expect((await usageOf(tenant.id)).warnings).toEqual([
      { threshold: 80, reached: false },
      { threshold: 100, reached: false },
    ]);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(i % 2 === 0 ? one : two, tenant.id, [anEvent(), anEvent(), anEvent()]),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    const warnings = await warningsIn(tenant.id);
    expect(warnings.map((w) => w.details.threshold)).toEqual([80]);
    expect((await usageOf(tenant.id)).warnings).toEqual([
      { threshold: 80, reached: true },
      { threshold: 100, reached: false },
    ]);
  });

  it('a growth tenant past its quota is accepted and counted as overage', async () => {
    const tenant = await createTenant(one.http, { tier: 'growth' });
    await alreadyAccepted(tenant.id, GROWTH_QUOTA - 10);
    const events = Array.from({ length: 30 }, () => anEvent({ event_type: 'overage' }));
    const response = await post(two, tenant.id, events).expect(202);
    expect(response.body).toEqual({ accepted: 30, rejected: [] });
    const store = one.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'overage'), 30)).toBe(30);
    await flushUsage();
    const usage = await usageOf(tenant.id);
    expect(usage.events).toMatchObject({
      accepted: GROWTH_QUOTA + 20,
      limit: GROWTH_QUOTA,
      over_quota: 'overage',
      overage: 20,
    });
    expect((await warningsIn(tenant.id)).map((w) => w.details.threshold)).toEqual([100]);
  });

  it('Redis down: a starter tenant is checked against usage_daily, and nothing past the quota gets in', async () => {
    const tenant = await createTenant(one.http, { tier: 'starter' });
    await alreadyAccepted(tenant.id, STARTER_QUOTA - 5);
    const counters = two.app.get(QuotaCounterStore);
    const fallbacks = two.app.get<Counter<string>>(getToken(QUOTA_FALLBACKS));
    const fallbacksOf = async (overQuota: string) =>
      (await fallbacks.get()).values.find((v) => v.labels.over_quota === overQuota)?.value ?? 0;
    const before = { refuse: await fallbacksOf('refuse'), overage: await fallbacksOf('overage') };
    counters.client!.disconnect();
    try {
      const first = await post(two, tenant.id, Array.from({ length: 8 }, () => anEvent()));
      expect(first.status).toBe(202);
      expect(first.body.accepted).toBe(5);
      expect(first.body.rejected).toHaveLength(3);
      await two.app.get(UsageMeter).flush();
      const second = await post(two, tenant.id, [anEvent()]);
      expect(second.status).toBe(429);
      expect(second.body.reason).toBe('quota_exceeded');
      // A growth tenant is let through (overage), counted in a metric.
      const growth = await createTenant(one.http, { tier: 'growth' });
      await post(two, growth.id, [anEvent()]).expect(202);
      expect(await fallbacksOf('refuse')).toBe(before.refuse + 2);
      expect(await fallbacksOf('overage')).toBe(before.overage + 1);
    } finally {
      await counters.client!.connect();
    }
  });

  it('GET /v1/usage shows users, event sources and the plan limits; /daily is bounded', async () => {
    const tenant = await createTenant(one.http, { tier: 'starter' });
    const usage = await usageOf(tenant.id);
    expect(usage.plan).toBe('starter');
    expect(usage.users).toEqual({ count: 1, limit: 5, percentage: 20 });
    expect(usage.event_sources).toEqual({ count: 0, limit: 2, percentage: 0 });
    expect(usage.storage).toMatchObject({ limit: 10_000_000_000 });
    const auth = bearer(tenantToken(tenant.id));
    const bad = [
      ['from=2026-13-01', 'from'],
      ['from=2024-01-01&to=2026-01-01', 'from'],
      ['from=2026-11-20&to=2026-11-10', 'from'],
      ['to=2999-01-01', 'to'],
      ['to=yesterday', 'to'],
    ];
    for (const [query, field] of bad) {
      const response = await one.http.get(`/v1/usage/daily?${query}`).set(auth).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await post(one, tenant.id, [anEvent()]).expect(202);
    await flushUsage();
    const today = new Date().toISOString().slice(0, 10);
    const daily = await one.http.get(`/v1/usage/daily?from=${today}&to=${today}`).set(auth);
    expect(daily.status).toBe(200);
    expect(daily.body.data).toEqual([
      expect.objectContaining({ day: today, accepted: 1, rejected: 0 }),
    ]);
  });
});
