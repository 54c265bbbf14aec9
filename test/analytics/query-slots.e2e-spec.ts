import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  isRefusal,
  type QuerySlot,
  QuerySlotsStore,
} from '../../src/analytics/fair/query-slots.store';
import { testEnvironment } from '../support/stack-env';

/**
 * The analytics query slots on the real Redis: two stores on one Redis stand for two app copies.
 * Leases of one second, so a dead holder's slot comes back within the test.
 */
describe('Query slots (Redis lease semaphore)', () => {
  const env = testEnvironment();
  const clients: Redis[] = [];
  const stores: QuerySlotsStore[] = [];

  function appCopy(): { store: QuerySlotsStore; redis: Redis } {
    const redis = new Redis(env.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    const config = new ConfigService({
      DATABASE_NAME: env.DATABASE_NAME,
      ANALYTICS_QUERY_LEASE_SECONDS: 1,
    });
    const store = new QuerySlotsStore(config as never, redis);
    stores.push(store);
    return { store, redis };
  }

  beforeAll(async () => {
    expect(env.REDIS_URL).toBeTruthy(); // the local stack always runs Redis
  });
  afterAll(() => {
    for (const store of stores) store.onApplicationShutdown();
    for (const redis of clients) redis.disconnect();
  });

  const held = (outcome: Awaited<ReturnType<QuerySlotsStore['acquire']>>): QuerySlot => {
    if (isRefusal(outcome)) throw new Error(`refused: ${JSON.stringify(outcome)}`);
    return outcome;
  };

  it('shares one limit between app copies and frees a slot on release', async () => {
    const [a, b] = [appCopy(), appCopy()];
    await Promise.all([a.store.onModuleInit(), b.store.onModuleInit()]);
    const tenant = randomUUID();
    const first = held(await a.store.acquire(tenant, 2));
    const second = held(await b.store.acquire(tenant, 2));
    const refused = await a.store.acquire(tenant, 2);
    expect(refused).toEqual({ running: 2, retryAfterSeconds: 1 });
    // Another tenant has its own slots.
    const other = held(await b.store.acquire(randomUUID(), 2));
    await first.release();
    await first.release(); // twice is harmless: the second finds nothing
    const third = held(await b.store.acquire(tenant, 2));
    expect(isRefusal(await a.store.acquire(tenant, 2))).toBe(true);
    await Promise.all([second.release(), third.release(), other.release()]);
    held(await a.store.acquire(tenant, 2));
  });

  it('keeps a running query’s lease past its lifetime by renewing it', async () => {
    const [a, b] = [appCopy(), appCopy()];
    await Promise.all([a.store.onModuleInit(), b.store.onModuleInit()]);
    const tenant = randomUUID();
    const slot = held(await a.store.acquire(tenant, 1));
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // 2.5 leases
    expect(isRefusal(await b.store.acquire(tenant, 1))).toBe(true);
    await slot.release();
    held(await b.store.acquire(tenant, 1));
  });

  it('frees the slot of an app copy that died within one lease', async () => {
    const [a, b] = [appCopy(), appCopy()];
    await Promise.all([a.store.onModuleInit(), b.store.onModuleInit()]);
    const tenant = randomUUID();
    held(await a.store.acquire(tenant, 1));
    a.redis.disconnect(); // the holder dies: no renewal, no release
    const refused = await b.store.acquire(tenant, 1);
    expect(refused).toMatchObject({ running: 1 });
    const started = Date.now();
    let outcome = await b.store.acquire(tenant, 1);
    while (isRefusal(outcome) && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      outcome = await b.store.acquire(tenant, 1);
    }
    expect(isRefusal(outcome)).toBe(false);
    // Back within one lease (1 s) of the last renewal, never sooner than the lease itself allows.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts slots in the process when Redis does not answer', async () => {
    const { store, redis } = appCopy();
    await store.onModuleInit();
    redis.disconnect();
    const tenant = randomUUID();
    const slot = held(await store.acquire(tenant, 1));
    expect(await store.acquire(tenant, 1)).toEqual({ running: 1, retryAfterSeconds: 1 });
    await slot.release();
    held(await store.acquire(tenant, 1));
  });
});
