import { ConfigService } from '@nestjs/config';
import { Counter } from 'prom-client';
import type { Tenant } from '../../tenant.entity';
import { CredentialCacheStore } from './credential-cache.store';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function storeWith(cache: 'on' | 'off' = 'on'): CredentialCacheStore {
  const config = new ConfigService({
    CREDENTIAL_CACHE: cache,
    CREDENTIAL_CACHE_TTL_SECONDS: 60,
    CREDENTIAL_CACHE_MAX_ENTRIES: 100,
  });
  const lookups = new Counter({
    name: 'test_credential_cache_lookups',
    help: 'test',
    labelNames: ['cache', 'outcome'],
    registers: [],
  });
  return new CredentialCacheStore(config as never, lookups);
}

/** A lookup that counts its calls and answers what `answer` says at the time. */
function counted<V>(answer: () => V): { calls: () => number; lookup: () => Promise<V> } {
  let calls = 0;
  return {
    calls: () => calls,
    lookup: () => {
      calls++;
      return Promise.resolve(answer());
    },
  };
}

describe('CredentialCacheStore', () => {
  it('answers a known user from memory after the first lookup', async () => {
    const store = storeWith();
    const user = counted(() => ({ role: 'admin' }));
    expect(await store.user(A, 'u1', user.lookup)).toEqual({ role: 'admin' });
    expect(await store.user(A, 'u1', user.lookup)).toEqual({ role: 'admin' });
    expect(user.calls()).toBe(1);
    expect(store.cachedUser(A, 'u1')).toEqual({ role: 'admin' });
  });

  it('never keeps a refusal: an unknown key is looked up every time', async () => {
    const store = storeWith();
    const key = counted(() => null);
    await store.apiKey('hash', A, key.lookup);
    await store.apiKey('hash', A, key.lookup);
    expect(key.calls()).toBe(2);
  });

  it('keeps each tenant’s entries apart: the same user id of another tenant is its own lookup', async () => {
    const store = storeWith();
    await store.user(A, 'same', () => Promise.resolve({ role: 'owner' }));
    const other = counted(() => ({ role: 'viewer' }));
    expect(await store.user(B, 'same', other.lookup)).toEqual({ role: 'viewer' });
    expect(other.calls()).toBe(1);
  });

  it('forgets a tenant’s keys, users and row on dropTenant, and only that tenant’s', async () => {
    const store = storeWith();
    const row = { id: A, status: 'active' } as Tenant;
    await store.tenant(A, () => Promise.resolve(row));
    await store.apiKey('ka', A, () =>
      Promise.resolve({ tenantId: A, keyId: 'k', scopes: [], touchedAt: 0 }),
    );
    await store.user(A, 'u', () => Promise.resolve({ role: 'admin' }));
    await store.user(B, 'u', () => Promise.resolve({ role: 'admin' }));
    store.dropTenant(A);
    expect(store.cachedUser(A, 'u')).toBeUndefined();
    expect(store.cachedUser(B, 'u')).toEqual({ role: 'admin' });
    const key = counted(() => null);
    expect(await store.apiKey('ka', A, key.lookup)).toBeNull();
    expect(key.calls()).toBe(1);
  });

  it('stores nothing of a tenant for a while after a drop (the change may not be committed yet)', async () => {
    const store = storeWith();
    store.dropTenant(A);
    const user = counted(() => ({ role: 'admin' }));
    await store.user(A, 'u', user.lookup);
    await store.user(A, 'u', user.lookup);
    expect(user.calls()).toBe(2);
  });

  it('does not store an answer whose lookup began before an invalidation', async () => {
    const store = storeWith();
    let release!: () => void;
    const slow = store.user(
      B,
      'u',
      () => new Promise((resolve) => (release = () => resolve({ role: 'admin' }))),
    );
    store.dropTenant(A);
    release();
    expect(await slow).toEqual({ role: 'admin' });
    expect(store.cachedUser(B, 'u')).toBeUndefined();
  });

  it('is bypassed while the invalidation channel is down, and starts empty when it is back', async () => {
    const store = storeWith();
    await store.user(A, 'u', () => Promise.resolve({ role: 'admin' }));
    store.setShared(false);
    expect(store.active).toBe(false);
    expect(store.cachedUser(A, 'u')).toBeUndefined();
    const user = counted(() => ({ role: 'viewer' }));
    await store.user(A, 'u', user.lookup);
    await store.user(A, 'u', user.lookup);
    expect(user.calls()).toBe(2);
    store.setShared(true);
    expect(store.cachedUser(A, 'u')).toBeUndefined();
  });

  it('serves and keeps nothing for one TTL after bypassForOneTtl, starting empty', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const store = storeWith(); // a TTL of 60 s
      await store.user(B, 'u', () => Promise.resolve({ role: 'admin' }));
      store.bypassForOneTtl();
      expect(store.active).toBe(false);
      expect(store.cachedUser(B, 'u')).toBeUndefined();
      const user = counted(() => ({ role: 'viewer' }));
      await store.user(B, 'u', user.lookup);
      jest.setSystemTime(1_000_000 + 59_999);
      await store.user(B, 'u', user.lookup);
      expect(user.calls()).toBe(2);
      jest.setSystemTime(1_000_000 + 60_000);
      expect(store.active).toBe(true);
      expect(store.cachedUser(B, 'u')).toBeUndefined(); // nothing kept from the bypass
      await store.user(B, 'u', user.lookup);
      await store.user(B, 'u', user.lookup);
      expect(user.calls()).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('hands out a copy of the tenant row, so one request cannot change the next one’s', async () => {
    const store = storeWith();
    const first = await store.tenant(A, () =>
      Promise.resolve({ id: A, status: 'active' } as Tenant),
    );
    first!.status = 'suspended';
    const second = await store.tenant(A, () => Promise.resolve(null));
    expect(second!.status).toBe('active');
  });

  it('caches nothing when switched off', async () => {
    const store = storeWith('off');
    const user = counted(() => ({ role: 'admin' }));
    await store.user(A, 'u', user.lookup);
    await store.user(A, 'u', user.lookup);
    expect(user.calls()).toBe(2);
  });
});
