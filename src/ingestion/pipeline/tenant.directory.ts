import { Injectable } from '@nestjs/common';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import type { TenantStatus, TenantTier } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';

export interface TenantFacts {
  status: TenantStatus;
  tier: TenantTier;
  retentionDays: number;
}

const TTL_MS = 5_000;

/**
 * Tenant status and plan for the consumer, which sees thousands of messages a second from a few
 * thousand tenants: looked up once per tenant per few seconds, not per message. A suspension
 * reaches the consumer within TTL_MS.
 */
@Injectable()
export class TenantDirectory {
  private readonly cache = new Map<string, { facts: TenantFacts | null; until: number }>();

  constructor(
    private readonly tenants: TenantsService,
    private readonly entitlements: EntitlementsService,
  ) {}

  async get(tenantId: string): Promise<TenantFacts | null> {
    const now = Date.now();
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > now) return cached.facts;
    const tenant = await this.tenants.findById(tenantId);
    const facts = tenant
      ? {
          status: tenant.status,
          tier: tenant.tier,
          retentionDays: (await this.entitlements.termsOf(tenant)).dataRetentionDays,
        }
      : null;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(tenantId, { facts, until: now + TTL_MS });
    return facts;
  }
}
