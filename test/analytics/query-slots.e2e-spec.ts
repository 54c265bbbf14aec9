import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter } from 'prom-client';
import { ACQUIRE_SCRIPT } from '../../src/analytics/fair/lease-semaphore';
import {
  isRefusal,
  type QuerySlot,
  QuerySlotsStore,
} from '../../src/analytics/fair/query-slots.store';
import { testEnvironment } from '../support/stack-env';

/**
 * A TCP proxy to Redis that passes commands on at once and holds Redis' replies for
 * `replyDelayMs`: the server runs a command while its client is still waiting for the answer.
 */
async function replyDelayingProxy(
  redisUrl: string,
): Promise<{ url: string; replyDelayMs: number; close(): Promise<void> }> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  const proxy = {
    url: '',
    replyDelayMs: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (proxy.replyDelayMs === 0) client.write(chunk);
      else
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, proxy.replyDelayMs);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const url = new URL(redisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  proxy.url = url.toString();
  return proxy;
}

/**
 * The analytics query slots on the real Redis: two stores on one Redis stand for two app copies.
 * Leases of one second, so a dead holder's slot comes back within the test.
 */
describe('Query slots (Redis lease semaphore)', () => {
  const env = testEnvironment();
  const clients: Redis[] = [];
  const stores: QuerySlotsStore[] = [];

  function appCopy(
    url = env.REDIS_URL,
    commandTimeout?: number,
  ): { store: QuerySlotsStore; redis: Redis; leasesLost: Counter } {
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    const config = new ConfigService({
      DATABASE_NAME: env.DATABASE_NAME,
      ANALYTICS_QUERY_LEASE_SECONDS: 1,
    });
    const leasesLost = new Counter({ name: 'test_leases_lost', help: 'test', registers: [] });
    const store = new QuerySlotsStore(config as never, redis, leasesLost);
    stores.push(store);
    return { store, redis, leasesLost };
  }

  const slotsKey = (tenant: string) => `tenantry:${env.DATABASE_NAME}:analytics:slots:${tenant}`;
  const countOf = async (counter: Counter) => (await counter.get()).values[0]?.value ?? 0;

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
    // Back within one lease (1 s) of the last renewal, with the 100 ms polling and a busy
    // machine's slack.
    expect(Date.now() - started).toBeLessThan(3_000);
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

  it('removes the lease of an acquire that Redis ran but the client gave up on', async () => {
    const proxy = await replyDelayingProxy(env.REDIS_URL);
    const direct = new Redis(env.REDIS_URL);
    clients.push(direct);
    const slow = appCopy(proxy.url, 100);
    try {
      const other = appCopy();
      await Promise.all([slow.store.onModuleInit(), other.store.onModuleInit()]);
      // Loaded beforehand, so the acquire runs on the server at its first send (no NOSCRIPT).
      await direct.script('LOAD', ACQUIRE_SCRIPT);
      const tenant = randomUUID();
      proxy.replyDelayMs = 500;
      // The server adds the lease; its answer comes after the client's 100 ms: counted locally.
      const local = held(await slow.store.acquire(tenant, 1));
      expect(local.running).toBe(1);
      // The clean-up ran after the acquire on the server: no lease is left to hold the slot.
      let leases = await direct.zcard(slotsKey(tenant));
      for (let i = 0; i < 20 && leases > 0; i++) {
        await delay(10);
        leases = await direct.zcard(slotsKey(tenant));
      }
      expect(leases).toBe(0);
      const shared = held(await other.store.acquire(tenant, 1));
      await Promise.all([local.release(), shared.release()]);
    } finally {
      // Before the proxy goes: the client would otherwise keep reconnecting to it.
      slow.redis.disconnect();
      await proxy.close();
    }
  });

  it('counts a lease found gone at renewal once, and stops renewing it', async () => {
    const { store, redis, leasesLost } = appCopy();
    await store.onModuleInit();
    const tenant = randomUUID();
    const slot = held(await store.acquire(tenant, 1));
    // As a Redis flush or failover would: the lease is gone while its query runs.
    await redis.del(slotsKey(tenant));
    await delay(1_200); // three renewals (every third of the 1 s lease)
    expect(await countOf(leasesLost)).toBe(1);
    expect(await redis.exists(slotsKey(tenant))).toBe(0);
    await slot.release();
  });
});
