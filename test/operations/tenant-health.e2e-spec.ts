import type { Client } from 'pg';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
} from '../support/ingestion';
import { TenantRedisKeysStore } from '../../src/tenancy/lifecycle/tenant-redis-keys.store';
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

type Health = {
  tenant_id: string;
  tier: string;
  last_event_at: string | null;
  intake: {
    events_per_second_now: number;
    overflowing: boolean;
    overflow_threshold_events_per_second: number | null;
  } | null;
  dead_letters: { days: number; total: number; by_reason: Record<string, number> } | null;
  queries: { window_minutes: number; queries: number; p95_ms: number | null };
  lag: {
    group: string;
    topic: string;
    partition: number;
    partition_lag: number;
    group_lag: number;
    intake_share: number;
    estimated_backlog: number;
  } | null;
  limits: {
    terms: { code: string; events_per_month: number; api_requests_per_minute: number };
    api_requests_per_minute: number;
    events_this_month: { used: number; quota: number; resets_at: string };
  };
};

async function healthOf(t: TestApp, tenantId: string): Promise<Health> {
  const response = await t.http.get(`/admin/tenants/${tenantId}/health`).set(adminAuth).expect(200);
  return response.body as Health;
}

async function sendEvents(t: TestApp, tenantId: string, count: number): Promise<void> {
  await t.http
    .post('/v1/events')
    .set(bearer(tenantToken(tenantId)))
    .send({ events: Array.from({ length: count }, () => anEvent()) })
    .expect(202);
}

async function runSummaries(t: TestApp, tenantId: string, count: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    await t.http
      .get('/v1/analytics/summary')
      .query({
        from: new Date(now - 86_400_000).toISOString(),
        to: new Date(now + 60_000).toISOString(),
      })
      .set(bearer(tenantToken(tenantId)))
      .expect(200);
  }
}

describe('GET /admin/tenants/:id/health (Kafka, the consumer and Redis)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let a: { id: string };
  let b: { id: string };

  beforeAll(async () => {
    env = ingestionEnv('tenant-health');
    t = await createTestApp({ env });
    a = await createTenant(t.http, { tier: 'growth' });
    b = await createTenant(t.http);
    // A: 5 events through the API, 3 queries, and one message of a bad event (dead letter).
    // B: 2 events, 1 query, one message that is not JSON: different figures, never mixed in.
    await sendEvents(t, a.id, 5);
    await sendEvents(t, b.id, 2);
    const keyA = await createProducerKey(t.http, a.id);
    const keyB = await createProducerKey(t.http, b.id);
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(a.id, keyA, JSON.stringify(anEvent({ event_type: '' }))),
      producerMessage(b.id, keyB, '{not json'),
    ]);
    await runSummaries(t, a.id, 3);
    await runSummaries(t, b.id, 1);
  });
  afterAll(() => t.close());

  it("reports the tenant's last event, dead letters by reason, query p95, lag share and limits", async () => {
    // Each figure comes from its own store (Kafka's offsets, Redis, PostgreSQL), and one that does
    // not answer in time leaves its figure null for that read (a loaded machine). Read the card
    // until every figure is in and settled, then check it whole: a wrong figure still fails.
    let health!: Health;
    const settled = (card: Health) =>
      JSON.stringify(card.dead_letters?.by_reason) === JSON.stringify({ invalid_event: 1 }) &&
      card.last_event_at !== null &&
      card.lag?.group_lag === 0 &&
      card.intake !== null &&
      card.queries.queries === 3;
    await eventually(
      async () => settled((health = await healthOf(t, a.id))),
      true,
      45_000,
    );

    expect(health.tenant_id).toBe(a.id);
    expect(Date.now() - Date.parse(health.last_event_at!)).toBeLessThan(120_000);
    expect(health.dead_letters).toEqual({ days: 7, total: 1, by_reason: { invalid_event: 1 } });
    expect(health.queries.window_minutes).toBe(60);
    expect(health.queries.queries).toBe(3);
    expect(health.queries.p95_ms).toBeGreaterThan(0);
    expect(health.lag).toMatchObject({
      group: env.KAFKA_CONSUMER_GROUP,
      topic: env.KAFKA_EVENTS_TOPIC,
      partition_lag: 0,
      group_lag: 0,
      estimated_backlog: 0,
    });
    expect([0, 1, 2]).toContain(health.lag!.partition);
    expect(health.lag!.intake_share).toBeGreaterThan(0);
    expect(health.lag!.intake_share).toBeLessThanOrEqual(1);
    // A growth tenant at a few events a second: measured, below its tier's threshold.
    expect(health.intake).toMatchObject({
      overflowing: false,
      overflow_threshold_events_per_second: 2000,
    });
    expect(health.limits.terms.code).toBe('growth');
    expect(health.limits.api_requests_per_minute).toBe(health.limits.terms.api_requests_per_minute);
    expect(health.limits.events_this_month).toMatchObject({
      quota: health.limits.terms.events_per_month,
    });
    // 5 through the API and the direct message's event was refused: 5 used.
    expect(health.limits.events_this_month.used).toBe(5);
  });

  it("never mixes another tenant's figures in", async () => {
    await eventually(
      async () => JSON.stringify((await healthOf(t, b.id)).dead_letters?.by_reason),
      JSON.stringify({ invalid_json: 1 }),
    );
    const [ofA, ofB] = [await healthOf(t, a.id), await healthOf(t, b.id)];
    expect(ofB.dead_letters).toEqual({ days: 7, total: 1, by_reason: { invalid_json: 1 } });
    expect(ofA.dead_letters?.by_reason).toEqual({ invalid_event: 1 });
    expect(ofB.queries.queries).toBe(1);
    expect(ofA.queries.queries).toBe(3);
    expect(ofB.limits.events_this_month.used).toBe(2);
    expect(ofB.limits.terms.code).toBe(ofB.tier);
    // Both on the same partition or not, the partition follows the key: the same one each time.
    expect((await healthOf(t, b.id)).lag?.partition).toBe(ofB.lag?.partition);
  });

  it("keeps the dead-letter counts under the tenant's Redis keys, so its purge removes them", async () => {
    const keys = await t.app.get(TenantRedisKeysStore).keysOf(a.id);
    const day = new Date().toISOString().slice(0, 10);
    expect(keys).toContainEqual(expect.stringMatching(new RegExp(`:dlq:${a.id}:${day}$`)));
    expect(keys.every((key) => !key.includes(b.id))).toBe(true);
  });

  it('answers 404 for an unknown tenant and 400 naming the field for a malformed id', async () => {
    await t.http
      .get('/admin/tenants/00000000-0000-4000-8000-000000000000/health')
      .set(adminAuth)
      .expect(404);
    const malformed = await t.http
      .get('/admin/tenants/not-a-uuid/health')
      .set(adminAuth)
      .expect(400);
    expect(JSON.stringify(malformed.body)).toContain('"id"');
  });

  it('refuses tenant credentials and anonymous callers', async () => {
    await t.http
      .get(`/admin/tenants/${a.id}/health`)
      .set(bearer(tenantToken(a.id)))
      .expect(403);
    await t.http
      .get(`/admin/tenants/${a.id}/health`)
      .set(bearer(tenantToken(b.id)))
      .expect(403);
    await t.http.get(`/admin/tenants/${a.id}/health`).expect(401);
  });

  it('exports the consumer lag per group, topic and partition', async () => {
    await eventually(async () => {
      const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN))).text;
      return new RegExp(
        `tenantry_ingestion_consumer_lag_messages\\{[^}]*group="${env.KAFKA_CONSUMER_GROUP.replace(/\./g, '\\.')}"[^}]*partition="2"`,
      ).test(text);
    }, true);
  });
});

describe('GET /admin/tenants/:id/health (embedded default: no Kafka, no Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        KAFKA_BROKERS: '',
        REDIS_URL: '',
        // Low enough that 100 events in one request make a starter tenant hot; growth exempt.
        INGEST_OVERFLOW_EVENTS_PER_SECOND: 'starter:5,growth:off,enterprise:off',
      },
    });
  });
  afterAll(() => t.close());

  it('reports what it can and says the rest is unavailable (null)', async () => {
    const tenant = await createTenant(t.http);
    const before = await healthOf(t, tenant.id);
    expect(before.last_event_at).toBeNull();
    expect(before.queries).toEqual({ window_minutes: 60, queries: 0, p95_ms: null });
    await sendEvents(t, tenant.id, 4);
    await runSummaries(t, tenant.id, 2);
    await eventually(async () => (await healthOf(t, tenant.id)).last_event_at !== null, true);
    const health = await healthOf(t, tenant.id);
    expect(health.dead_letters).toBeNull();
    expect(health.lag).toBeNull();
    expect(health.queries.queries).toBe(2);
    expect(health.limits.events_this_month.used).toBe(4);
  });

  it('shows events per second now and whether the tenant is over its overflow threshold', async () => {
    const hot = await createTenant(t.http, { tier: 'starter' });
    const exempt = await createTenant(t.http, { tier: 'growth' });
    const quiet = await healthOf(t, hot.id);
    expect(quiet.intake).toEqual({
      events_per_second_now: 0,
      overflowing: false,
      overflow_threshold_events_per_second: 5,
    });
    await sendEvents(t, hot.id, 100);
    await sendEvents(t, exempt.id, 100);
    const ofHot = (await healthOf(t, hot.id)).intake!;
    expect(ofHot.events_per_second_now).toBeGreaterThan(5);
    expect(ofHot.overflowing).toBe(true);
    const ofExempt = (await healthOf(t, exempt.id)).intake!;
    expect(ofExempt.events_per_second_now).toBeGreaterThan(5);
    expect(ofExempt).toMatchObject({ overflowing: false, overflow_threshold_events_per_second: null });
  });
});

describe('silent tenants: GET /admin/silent-tenants and tenantry_silent_tenants', () => {
  let t: TestApp;
  let owner: Client;
  beforeAll(async () => {
    t = await createTestApp({ env: { KAFKA_BROKERS: '', REDIS_URL: '' } });
    owner = await connectAs('owner');
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  /** Usage rows of the tenant: events accepted on each of `days` (days ago), last at `lastAgoMs`. */
  async function seedUsage(tenantId: string, days: number[], lastAgoMs: number): Promise<void> {
    await owner.query('BEGIN');
    try {
      await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      for (const ago of days) {
        await owner.query(
          `INSERT INTO usage_daily (tenant_id, day, events_accepted, last_accepted_at)
           VALUES ($1, (now() AT TIME ZONE 'UTC')::date - $2::int, 10,
                   least(now() - $3 * interval '1 millisecond',
                         ((now() AT TIME ZONE 'UTC')::date - $2::int + 1)::timestamp AT TIME ZONE 'UTC'
                           - interval '1 second'))`,
          [tenantId, ago, lastAgoMs],
        );
      }
      await owner.query('COMMIT');
    } catch (error) {
      await owner.query('ROLLBACK');
      throw error;
    }
  }

  it('names a tenant that sent events every day of the week before the last 24 h and none since', async () => {
    const silent = await createTenant(t.http);
    const gap = await createTenant(t.http);
    const active = await createTenant(t.http);
    // Silent: days 2..8 ago (the 7 days before yesterday-or-today's quiet start), last 30 h ago.
    await seedUsage(silent.id, [2, 3, 4, 5, 6, 7, 8], 30 * 3_600_000);
    // One day missing in the week: not a daily sender.
    await seedUsage(gap.id, [2, 3, 5, 6, 7, 8], 30 * 3_600_000);
    // Still sending: every day up to today.
    await seedUsage(active.id, [0, 1, 2, 3, 4, 5, 6, 7, 8], 60_000);

    const listed = (await t.http.get('/admin/silent-tenants').set(adminAuth).expect(200)).body as {
      data: { tenant_id: string; last_event_at: string }[];
    };
    const ids = listed.data.map((row) => row.tenant_id);
    expect(ids).toContain(silent.id);
    expect(ids).not.toContain(gap.id);
    expect(ids).not.toContain(active.id);
    const row = listed.data.find((r) => r.tenant_id === silent.id)!;
    expect(Date.now() - Date.parse(row.last_event_at)).toBeGreaterThan(24 * 3_600_000);

    const text = (await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200)).text;
    const value = Number(/^tenantry_silent_tenants\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(value).toBe(listed.data.length);
    expect(value).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(silent.id);
  });

  it('is for platform admins only', async () => {
    const tenant = await createTenant(t.http);
    await t.http
      .get('/admin/silent-tenants')
      .set(bearer(tenantToken(tenant.id)))
      .expect(403);
    await t.http.get('/admin/silent-tenants').expect(401);
  });
});
