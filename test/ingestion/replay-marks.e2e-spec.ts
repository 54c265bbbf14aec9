import { getToken } from '@willsoto/nestjs-prometheus';
import Redis from 'ioredis';
import type { Client } from 'pg';
import type { Counter } from 'prom-client';
import { monthOf, QUOTA_FALLBACKS } from '../../src/billing/quota/quota.service';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { RestoreRecordsRepository } from '../../src/restore/restore-records.repository';
import {
  anEvent,
  createProducerKey,
  eventually,
  ingestionEnv,
  produceDirect,
  producerMessage,
  testKafka,
} from '../support/ingestion';
import { asTenant, connectAs } from '../support/sql';
import { createTenant, createTestApp, type TestApp } from '../support/test-app';

/**
 * Replay marks after a restore: the consumer group is reset to an older offset, so messages the
 * lost store had already taken (and metered) are delivered again. One below its partition's
 * mark is stored again but neither counted in usage nor reserved against the quota again; one
 * above the mark is metered as usual.
 */
describe('replay marks: replayed messages are stored, not metered again', () => {
  const env = ingestionEnv('replay-marks', { EVENT_STORE: 'postgres' });
  let t: TestApp | undefined;
  let owner: Client;
  let platform: Client;
  let redis: Redis;

  beforeAll(async () => {
    owner = await connectAs('owner');
    platform = await connectAs('platform');
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    await t?.close();
    await owner.query('DELETE FROM ingestion_replay_marks');
    await owner.end();
    await platform.end();
    redis.disconnect();
  });

  async function usage(tenantId: string): Promise<number> {
    const sql = await connectAs('app');
    try {
      return await asTenant(sql, tenantId, async () => {
        const { rows } = await sql.query<{ accepted: number }>(
          'SELECT coalesce(sum(events_accepted), 0)::int AS accepted FROM usage_daily',
        );
        return rows[0].accepted;
      });
    } finally {
      await sql.end();
    }
  }

  const quotaCounter = async (tenantId: string) =>
    Number(
      await redis.get(
        `tenantry:${process.env.DATABASE_NAME}:quota:${tenantId}:${monthOf(new Date()).month}`,
      ),
    );

  it('stores a message below the mark again without counting it; one above is metered', async () => {
    t = await createTestApp({ env });
    const tenant = await createTenant(t.http, { tier: 'growth' });
    const key = await createProducerKey(t.http, tenant.id);
    const batch = (type: string, n: number) =>
      JSON.stringify({ events: Array.from({ length: n }, () => anEvent({ event_type: type })) });
    // Before the disaster: stored and metered (3 accepted, 3 reserved).
    const first = await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, batch('before', 3)),
    ]);
    const store = t.app.get<EventStore>(EVENT_STORE);
    expect(await eventually(() => store.countEvents(tenant.id, 'before'), 3, 20_000)).toBe(3);
    expect(await eventually(() => usage(tenant.id), 3, 15_000)).toBe(3);
    expect(await quotaCounter(tenant.id)).toBe(3);
    // The fail-open count so far, read before the second app starts: its consumer may take the
    // message while it boots (CI once read the count after that, so missed the fallback). The
    // counter is the process's one prom-client registry's, shared by both apps.
    const fallbacks = t.app.get<Counter<string>>(getToken(QUOTA_FALLBACKS));
    const fallbacksSoFar = async () =>
      (await fallbacks.get()).values.reduce((sum, value) => sum + value.value, 0);
    const fallbacksBefore = await fallbacksSoFar();
    await t.close();
    t = undefined;

    // The restore: the store lost the events, the group goes back to before the message, and
    // the marks say everything below the offset it had committed was metered.
    await owner.query('BEGIN');
    await owner.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    await owner.query("DELETE FROM events WHERE event_type = 'before'");
    await owner.query('COMMIT');
    const committed = String(Number(first.offset) + 1);
    await new RestoreRecordsRepository({ owner, platform }).replaceReplayMarks('test-restore', [
      { topic: env.KAFKA_EVENTS_TOPIC, partition: first.partition, untilOffset: committed },
    ]);
    const admin = testKafka('replay-marks-admin', 'admin').admin();
    await admin.connect();
    try {
      await admin.setOffsets({
        groupId: env.KAFKA_CONSUMER_GROUP,
        topic: env.KAFKA_EVENTS_TOPIC,
        partitions: [{ partition: first.partition, offset: first.offset }],
      });
    } finally {
      await admin.disconnect();
    }
    // Accepted after the snapshot: above the mark (same key, same partition).
    await produceDirect(env.KAFKA_EVENTS_TOPIC, [
      producerMessage(tenant.id, key, batch('after', 2)),
    ]);

    t = await createTestApp({ env });
    const again = t.app.get<EventStore>(EVENT_STORE);
    expect(t.app.get(getToken(QUOTA_FALLBACKS))).toBe(fallbacks);
    expect(await eventually(() => again.countEvents(tenant.id, 'after'), 2, 20_000)).toBe(2);
    expect(await again.countEvents(tenant.id, 'before')).toBe(3);
    expect(await eventually(() => usage(tenant.id), 5, 15_000)).toBe(5);
    // A flush later it is still 5, never 8; the quota counter likewise took only the 2. The
    // one exception is exact: the reservation of the 2 missed its 1 s on a loaded machine (the
    // fail-open path, counted by its metric), so they were checked against usage_daily, and
    // the counter has them only if Redis ran the late call (CI once read 3 here).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await usage(tenant.id)).toBe(5);
    const failedOpen = (await fallbacksSoFar()) > fallbacksBefore;
    expect(failedOpen ? [3, 5] : [5]).toContain(await quotaCounter(tenant.id));
  }, 90_000);
});
