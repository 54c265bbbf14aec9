import { Injectable } from '@nestjs/common';
import { assertMayGrant } from '../grant-policy';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { sha256Hex } from '../../common/sha256';
import { compactUuid, expandUuid } from '../../common/uuid';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Caller } from '../../tenancy/scope/caller';
import { TenantsService } from '../../tenancy/tenants.service';
import {
  type CachedApiKey,
  CredentialCacheStore,
} from '../../tenancy/scope/credential-cache/credential-cache.store';
import { CredentialInvalidationListener } from '../../tenancy/scope/credential-cache/credential-invalidation.listener';
import { ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

/**
 * `tk_<prefix>_<secret>`: the 40-hex prefix is the tenant id (32 hex) plus 8 random hex, so it
 * names both the tenant and the row; the whole key is hashed.
 */
/** last_used_at is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

const API_KEY = /^tk_(([0-9a-f]{32})[0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly keys: ApiKeysRepository,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly entitlements: EntitlementsService,
    private readonly cache: CredentialCacheStore,
    private readonly invalidation: CredentialInvalidationListener,
  ) {}

  /**
   * Creates a key for the current tenant and returns it once, in full. A key never holds more
   * than its creator: scopes beyond the caller's own permissions are refused. With `tenant`, a
   * key holding events:write counts against the plan's event sources limit.
   */
  async create(
    input: CreateApiKeyDto,
    caller: Caller,
    tenant?: Tenant,
  ): Promise<{ key: string; record: ApiKey }> {
    assertMayGrant(
      caller,
      input.scopes,
      { field: 'scopes', requested: input.scopes, resourceType: 'api_key', resourceId: null },
      (missing) => ({
        message: `A key cannot hold scopes its creator lacks: ${missing}`,
        fieldMessage: `scopes beyond your own: ${missing}`,
      }),
    );
    // A key with events:write is an event source: the plan limits how many are live.
    if (tenant && input.scopes.includes('events:write')) {
      await this.entitlements.assertBelowLimit(tenant, 'event_sources', () =>
        this.keys.countLiveEventSourcesLocked(),
      );
    }
    const tenantId = this.tenantContext.tenantId;
    const prefix = `${compactUuid(tenantId)}${randomBytes(4).toString('hex')}`;
    const key = `tk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const saved = await this.keys.insert({
      tenantId,
      name: input.name,
      prefix,
      secretHash: sha256Hex(key),
      scopes: input.scopes,
    });
    await this.audit.record({
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: saved.id,
      details: { name: input.name, scopes: input.scopes, prefix },
    });
    return { key, record: await this.keys.getById(saved.id) };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.listLive();
  }

  /** Revokes at once: the next request with the key is refused. Another tenant's key is a 404. */
  async revoke(id: string): Promise<void> {
    if (!(await this.keys.revoke(id))) throw new ResourceNotFoundException('api_key', id);
    // Every app copy forgets the tenant's cached keys now (and caches none until this commits).
    await this.invalidation.tenantChanged(this.tenantContext.tenantId);
    await this.audit.record({ action: 'api_key.revoked', resourceType: 'api_key', resourceId: id });
  }

  /**
   * The principal a presented key stands for, or null for an unknown, wrong or revoked key.
   * A known key's answer is cached (CredentialCacheStore) under the hash of the whole key until a
   * change of its tenant is announced; an unknown or wrong key is looked up every time.
   */
  async authenticate(presented: string): Promise<Caller | null> {
    const match = API_KEY.exec(presented);
    if (!match) return null;
    const [, prefix, hex] = match;
    const tenantId = expandUuid(hex);
    const presentedHash = sha256Hex(presented);
    const key = await this.cache.apiKey(presentedHash, tenantId, () =>
      this.lookUp(tenantId, prefix, presentedHash),
    );
    if (!key) return null;
    // last_used_at: at most one write a minute per key, not one per request.
    if (Date.now() - key.touchedAt > TOUCH_INTERVAL_MS) {
      key.touchedAt = Date.now();
      await this.tenantContext.runInTenant(key.tenantId, () => this.keys.touchLastUsed(key.keyId));
    }
    return {
      kind: 'api_key',
      subject: `api_key:${key.keyId}`,
      keyId: key.keyId,
      tenantId: key.tenantId,
      scopes: [...key.scopes],
    };
  }

  private async lookUp(
    tenantId: string,
    prefix: string,
    presentedHash: string,
  ): Promise<CachedApiKey | null> {
    const tenant = await this.cache.tenant(tenantId, () => this.tenants.findById(tenantId));
    if (!tenant) return null;
    return this.tenantContext.runInTenant(tenant.id, async () => {
      const key = await this.keys.findByPrefixWithSecret(prefix);
      if (!key || key.revokedAt) return null;
      if (!timingSafeEqual(Buffer.from(key.secretHash, 'hex'), Buffer.from(presentedHash, 'hex')))
        return null;
      await this.keys.touchLastUsed(key.id);
      return { tenantId: key.tenantId, keyId: key.id, scopes: key.scopes, touchedAt: Date.now() };
    });
  }
}
