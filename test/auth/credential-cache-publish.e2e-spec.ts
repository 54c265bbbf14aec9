import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter } from 'prom-client';
import { CredentialCacheStore } from '../../src/tenancy/scope/credential-cache/credential-cache.store';
import { CredentialInvalidationListener } from '../../src/tenancy/scope/credential-cache/credential-invalidation.listener';
import { testEnvironment } from '../support/stack-env';

/**
 * Announcing a credential change on the real Redis when the publish fails: two copies (a store
 * and its listener each) on one channel. A failed publish is retried; when no attempt gets
 * through, the copy that made the change serves uncached for one TTL.
 */
describe('credential invalidation when the publish fails', () => {
  const env = testEnvironment();
  const TTL_SECONDS = 1;
  const copies: { listener: CredentialInvalidationListener }[] = [];

  /** A copy on the channel of `database`: a name of the test's own, so no other run hears it. */
  async function appCopy(database = `${env.DATABASE_NAME}_${randomUUID()}`) {
    const config = new ConfigService({
      DATABASE_NAME: database,
      REDIS_URL: env.REDIS_URL,
      CREDENTIAL_CACHE: 'on',
      CREDENTIAL_CACHE_TTL_SECONDS: TTL_SECONDS,
      CREDENTIAL_CACHE_MAX_ENTRIES: 100,
    });
    const counter = (name: string, labelNames: string[]) =>
      new Counter({ name, help: 'test', labelNames, registers: [] });
    const store = new CredentialCacheStore(
      config as never,
      counter('test_lookups', ['cache', 'outcome']),
    );
    const invalidations = counter('test_invalidations', ['source']);
    const listener = new CredentialInvalidationListener(config as never, store, invalidations);
    await listener.onModuleInit();
    copies.push({ listener });
    const publisher = (listener as unknown as { publisher: Redis }).publisher;
    const failedPublishes = async () =>
      (await invalidations.get()).values.find((v) => v.labels.source === 'publish_failed')
        ?.value ?? 0;
    return { store, listener, publisher, failedPublishes };
  }

  /** Two copies of one deployment: one channel. */
  async function twoCopies() {
    const database = `${env.DATABASE_NAME}_${randomUUID()}`;
    return [await appCopy(database), await appCopy(database)] as const;
  }

  beforeAll(() => {
    expect(env.REDIS_URL).toBeTruthy(); // the local stack always runs Redis
  });
  afterAll(() => {
    for (const { listener } of copies) listener.onModuleDestroy();
  });

  const TENANT = '00000000-0000-4000-8000-0000000000c1';
  const known = () => Promise.resolve({ role: 'admin' });

  /** Polls for up to a second until `check` holds. */
  async function within1s(check: () => boolean): Promise<boolean> {
    const started = Date.now();
    while (Date.now() - started <= 1_000) {
      if (check()) return true;
      await delay(10);
    }
    return check();
  }

  it('retries a publish that failed: the other copy still forgets the tenant', async () => {
    const [a, b] = await twoCopies();
    expect(a.store.active && b.store.active).toBe(true);
    await b.store.user(TENANT, 'u', known);
    expect(b.store.cachedUser(TENANT, 'u')).toEqual({ role: 'admin' });
    a.publisher.disconnect();
    await once(a.publisher, 'end');
    // The first attempt finds the connection closed; it is back for a later one.
    const announced = a.listener.tenantChanged(TENANT);
    await a.publisher.connect();
    await announced;
    expect(await a.failedPublishes()).toBe(0);
    expect(a.store.active).toBe(true);
    expect(await within1s(() => b.store.cachedUser(TENANT, 'u') === undefined)).toBe(true);
  });

  it('serves uncached for one TTL on the copy that could not announce a change', async () => {
    const { store, listener, publisher, failedPublishes } = await appCopy();
    await store.user(TENANT, 'other user', known);
    publisher.disconnect(); // and stays down
    await once(publisher, 'end');
    await listener.tenantChanged(TENANT);
    expect(await failedPublishes()).toBe(1);
    expect(store.active).toBe(false);
    let lookups = 0;
    const lookup = () => {
      lookups += 1;
      return known();
    };
    await store.user(TENANT, 'other user', lookup);
    await store.user(TENANT, 'other user', lookup);
    expect(lookups).toBe(2);
    // After one TTL it caches again.
    await delay(TTL_SECONDS * 1000 + 50);
    expect(store.active).toBe(true);
  });
});
