import { Injectable } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import pLimit from 'p-limit';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { PlanOverrides } from '../../billing/plans/plan-terms';
import { CredentialCacheStore } from '../../tenancy/scope/credential-cache/credential-cache.store';
import type { Tenant, TenantStatus, TenantTier } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';

export interface TenantFacts {
  status: TenantStatus;
  tier: TenantTier;
  planId: string;
  planOverrides: PlanOverrides;
  retentionDays: number;
}

const TTL_MS = 5_000;
/** PostgreSQL lookups in flight at once, whoever asks; the rest queue (cached answers do not). */
const LOOKUP_CONCURRENCY = 4;

/**
 * Tenant status and plan for the consumer, which sees thousands of messages a second from a few
 * thousand tenants: from the credential cache when it is on (a suspension reaches the consumer
 * at once), else looked up once per tenant per TTL_MS, not per message. However many misses
 * arrive at once (a batch of many tenants, a producer naming unknown ones), at most
 * LOOKUP_CONCURRENCY of them query the database together. A queued lookup runs in its caller's
 * async context (AsyncResource.bind): p-limit starts it from whichever lookup finished before.
 */
@Injectable()
export class TenantDirectory {
  private readonly cache = new Map<string, { facts: TenantFacts | null; until: number }>();
  private readonly lookups = pLimit(LOOKUP_CONCURRENCY);

  constructor(
    private readonly tenants: TenantsService,
    private readonly entitlements: EntitlementsService,
    private readonly credentialCache: CredentialCacheStore,
  ) {}

  async get(tenantId: string): Promise<TenantFacts | null> {
    // The pipeline's credential cache, when on, holds the row the API reads too, and forgets it
    // the moment the tenant is suspended or deleted on any app copy.
    if (this.credentialCache.active) {
      const tenant = await this.credentialCache.tenant(tenantId, () =>
        this.lookups(AsyncResource.bind(() => this.tenants.findById(tenantId))),
      );
      return tenant && this.factsOf(tenant);
    }
    const now = Date.now();
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > now) return cached.facts;
    const facts = await this.lookups(
      AsyncResource.bind(async () => {
        const tenant = await this.tenants.findById(tenantId);
        return tenant ? this.factsOf(tenant) : null;
      }),
    );
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(tenantId, { facts, until: now + TTL_MS });
    return facts;
  }

  private async factsOf(tenant: Tenant): Promise<TenantFacts> {
    return {
      status: tenant.status,
      tier: tenant.tier,
      planId: tenant.planId,
      planOverrides: tenant.planOverrides,
      retentionDays: (await this.entitlements.termsOf(tenant)).dataRetentionDays,
    };
  }
}
