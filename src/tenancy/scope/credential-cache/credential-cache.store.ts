import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { BoundedTtlCache } from '../../../common/bounded-ttl-cache';
import type { Permission } from '../../../auth/permissions';
import type { Environment } from '../../../config/environment';
import type { Tenant } from '../../tenant.entity';

export const CREDENTIAL_CACHE_LOOKUPS = 'tenantry_credential_cache_lookups_total';

/** An API key's answer, kept under the hash of the whole presented key. */
export interface CachedApiKey {
  tenantId: string;
  keyId: string;
  scopes: readonly Permission[];
  /** When last_used_at was last written from this process (it is written once a minute). */
  touchedAt: number;
}

/** A token's user as the tenant pipeline checks it: only an active user is ever kept. */
export interface CachedUser {
  role: string;
}

/**
 * After an invalidation, nothing of that tenant is cached for this long: the change may be
 * announced inside a transaction that commits a little later, and a read in between would
 * otherwise keep the old answer for a whole TTL.
 */
const QUIET_MS = 10_000;

type CacheName = 'api_key' | 'user' | 'tenant';

/**
 * The tenant pipeline's in-process cache of what every request reads from PostgreSQL: API keys
 * (hash of the presented key → tenant, key id, scopes), token users (tenant + user → role, active
 * only) and tenants (id → row: status, plan, overrides). Bounded in size and age
 * (CREDENTIAL_CACHE_MAX_ENTRIES, CREDENTIAL_CACHE_TTL_SECONDS).
 *
 * Only positive answers are kept: an unknown or revoked key, a disabled user or a missing tenant
 * asks PostgreSQL every time, so a bad credential is never cheaper to probe than without the
 * cache. Every entry belongs to one tenant, keyed so that no lookup of one tenant can find
 * another's. `dropTenant` (local; CredentialInvalidationListener announces it to every copy)
 * forgets a tenant's entries at once; while the shared invalidation channel is down the cache
 * is bypassed (`setShared(false)`), so a missed message never outlives the outage, and for one
 * TTL after this copy could not announce a change (`bypassForOneTtl`).
 */
@Injectable()
export class CredentialCacheStore {
  readonly enabled: boolean;
  private shared = true;
  private readonly ttlMs: number;
  /** Until when nothing is served from memory (a change this copy could not announce). */
  private bypassUntil = 0;
  private readonly apiKeys: BoundedTtlCache<CachedApiKey>;
  private readonly users: BoundedTtlCache<CachedUser>;
  private readonly tenants: BoundedTtlCache<Tenant>;
  /** Tenants recently invalidated, until when nothing of theirs is stored. */
  private readonly quiet = new Map<string, number>();
  /** Bumped by every invalidation: a lookup that began before one does not store its answer. */
  private generation = 0;

  constructor(
    config: ConfigService<Environment, true>,
    @InjectMetric(CREDENTIAL_CACHE_LOOKUPS) private readonly lookups: Counter<string>,
  ) {
    this.enabled = config.get('CREDENTIAL_CACHE', { infer: true }) === 'on';
    const max = config.get('CREDENTIAL_CACHE_MAX_ENTRIES', { infer: true });
    const ttlMs = config.get('CREDENTIAL_CACHE_TTL_SECONDS', { infer: true }) * 1000;
    this.ttlMs = ttlMs;
    this.apiKeys = new BoundedTtlCache(max, ttlMs);
    this.users = new BoundedTtlCache(max, ttlMs);
    this.tenants = new BoundedTtlCache(max, ttlMs);
  }

  /** Whether answers are served from memory now (on, and invalidations can reach this copy). */
  get active(): boolean {
    return this.enabled && this.shared && this.bypassUntil <= Date.now();
  }

  /** The invalidation channel's state: down → bypass (and forget everything when it is back). */
  setShared(shared: boolean): void {
    if (shared && !this.shared) this.dropAll();
    this.shared = shared;
  }

  /**
   * Serves and keeps nothing for one TTL, starting empty: after a change this copy could not
   * announce, Redis is likely failing for the others' messages to this copy too, and one TTL
   * is as long as any copy's stale answer can last.
   */
  bypassForOneTtl(): void {
    this.bypassUntil = Date.now() + this.ttlMs;
    this.dropAll();
  }

  apiKey(keyHash: string, tenantId: string, lookup: () => Promise<CachedApiKey | null>) {
    return this.remember('api_key', this.apiKeys, keyHash, tenantId, lookup);
  }

  user(tenantId: string, userId: string, lookup: () => Promise<CachedUser | null>) {
    return this.remember('user', this.users, `${tenantId}:${userId}`, tenantId, lookup);
  }

  /** The tenant row, a copy per call: a request may not change what the next one reads. */
  async tenant(tenantId: string, lookup: () => Promise<Tenant | null>): Promise<Tenant | null> {
    const tenant = await this.remember('tenant', this.tenants, tenantId, tenantId, lookup);
    return tenant && this.active ? copyOf(tenant) : tenant;
  }

  /** A cached user's answer without a lookup, or undefined (the caller then asks PostgreSQL). */
  cachedUser(tenantId: string, userId: string): CachedUser | undefined {
    if (!this.active) return undefined;
    const hit = this.users.get(`${tenantId}:${userId}`);
    if (hit) this.lookups.inc({ cache: 'user', outcome: 'hit' });
    return hit;
  }

  /** Forgets everything of one tenant in this process (its keys, users and row). */
  dropTenant(tenantId: string): void {
    this.generation++;
    const now = Date.now();
    for (const [id, until] of this.quiet) if (until <= now) this.quiet.delete(id);
    this.quiet.set(tenantId, now + QUIET_MS);
    this.tenants.delete(tenantId);
    this.apiKeys.deleteWhere((_key, value) => value.tenantId === tenantId);
    this.users.deleteWhere((key) => key.startsWith(`${tenantId}:`));
  }

  dropAll(): void {
    this.generation++;
    this.apiKeys.clear();
    this.users.clear();
    this.tenants.clear();
  }

  private async remember<V>(
    name: CacheName,
    cache: BoundedTtlCache<V>,
    key: string,
    tenantId: string,
    lookup: () => Promise<V | null>,
  ): Promise<V | null> {
    if (!this.active) return lookup();
    const hit = cache.get(key);
    if (hit !== undefined) {
      this.lookups.inc({ cache: name, outcome: 'hit' });
      return hit;
    }
    this.lookups.inc({ cache: name, outcome: 'miss' });
    const generation = this.generation;
    const value = await lookup();
    if (value !== null && generation === this.generation && !this.isQuiet(tenantId)) {
      cache.set(key, value);
    }
    return value;
  }

  private isQuiet(tenantId: string): boolean {
    const until = this.quiet.get(tenantId);
    return until !== undefined && until > Date.now();
  }
}

function copyOf<T extends object>(value: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(value) as object) as T, value);
}
