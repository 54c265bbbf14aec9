import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { AuditService } from '../../audit/audit.service';
import { BoundedTtlCache } from '../../common/bounded-ttl-cache';
import type { Environment } from '../../config/environment';
import type { Actor } from '../scope/actor';
import { TenantContext } from '../scope/tenant.context';
import { slugFromHost } from '../slug';
import type { Tenant } from '../tenant.entity';
import { TenantsRepository } from '../tenants.repository';
import { CustomDomainRoutesRepository } from './custom-domain-routes.repository';
import { hostnameOf } from './host-name';

export const CUSTOM_DOMAIN_REFUSALS = 'tenantry_custom_domain_refusals_total';

/** How long a Host's answer is reused, and how many Hosts are remembered (per app process). */
export const HOST_CACHE_TTL_MS = 30_000;
const HOST_CACHE_ENTRIES = 10_000;

/**
 * Refusals written to one domain tenant's audit log per minute (per app process): enough to show
 * any real probing, too few for another tenant's credential to flood that log (refusals come
 * before the rate limit, which counts accepted credentials). The excess is counted and logged.
 */
export const REFUSALS_AUDITED_PER_MINUTE = 30;

/** Where a credential of another tenant was refused on a custom domain. */
export type RefusalSurface = 'api' | 'login' | 'embed';

/**
 * Which tenant a Host belongs to, beyond the `<slug>.<BASE_DOMAIN>` subdomains: a custom domain
 * the tenant verified (src/branding/domains). Answers are cached briefly in process (bounded, TTL
 * HOST_CACHE_TTL_MS, unknown Hosts too, so a flood of made-up names costs one indexed lookup
 * each at most once per TTL); a verify or delete in this process forgets the name at once, other
 * app copies within the TTL.
 */
@Injectable()
export class TenantHostsService {
  private readonly baseDomain: string;
  private readonly customDomains = new BoundedTtlCache<Promise<string | null>>(
    HOST_CACHE_ENTRIES,
    HOST_CACHE_TTL_MS,
  );
  /** Refusals audited per domain tenant in the current minute window. */
  private readonly auditedRefusals = new BoundedTtlCache<{ count: number }>(
    HOST_CACHE_ENTRIES,
    60_000,
  );
  private readonly activeAnswers = new BoundedTtlCache<Promise<boolean>>(
    HOST_CACHE_ENTRIES,
    HOST_CACHE_TTL_MS,
  );

  constructor(
    private readonly routes: CustomDomainRoutesRepository,
    private readonly tenants: TenantsRepository,
    private readonly tenantContext: TenantContext,
    private readonly audit: AuditService,
    private readonly logger: PinoLogger,
    @InjectMetric(CUSTOM_DOMAIN_REFUSALS) private readonly refusals: Counter<'surface'>,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDomain = config.get('BASE_DOMAIN', { infer: true });
    this.logger.setContext(TenantHostsService.name);
  }

  /** The tenant id whose verified custom domain the Host is; null for every other Host. */
  customDomainTenantId(host: string | undefined): Promise<string | null> {
    const hostname = hostnameOf(host);
    if (!hostname || !hostname.includes('.') || this.isPlatformName(hostname)) {
      return Promise.resolve(null);
    }
    const cached = this.customDomains.get(hostname);
    if (cached) return cached;
    const lookup = this.routes.tenantIdFor(hostname);
    this.customDomains.set(hostname, lookup);
    // A failed lookup is not remembered: the next request asks again.
    lookup.catch(() => this.customDomains.delete(hostname));
    return lookup;
  }

  /** Who verified exactly this hostname, from the database (no cache): for a new claim. */
  verifiedOwnerOf(hostname: string): Promise<string | null> {
    return this.routes.tenantIdFor(hostname, { strict: true });
  }

  /** The active tenant a Host serves: `<slug>.<BASE_DOMAIN>` or a verified custom domain. */
  async activeTenantOf(host: string | undefined): Promise<Tenant | null> {
    const slug = slugFromHost(host, this.baseDomain);
    const customTenantId = slug ? null : await this.customDomainTenantId(host);
    const tenant = slug
      ? await this.tenants.findBySlug(slug)
      : customTenantId
        ? await this.tenants.findById(customTenantId)
        : null;
    return tenant?.status === 'active' ? tenant : null;
  }

  /** Whether the Host serves an active tenant (the TLS `ask` question), cached like the rest. */
  servesActiveTenant(hostname: string): Promise<boolean> {
    const cached = this.activeAnswers.get(hostname);
    if (cached) return cached;
    const answer = this.activeTenantOf(hostname).then((tenant) => tenant !== null);
    this.activeAnswers.set(hostname, answer);
    answer.catch(() => this.activeAnswers.delete(hostname));
    return answer;
  }

  /** After a verify or delete: this process answers from the database on the next request. */
  forget(hostname: string): void {
    this.customDomains.delete(hostname);
    this.activeAnswers.delete(hostname);
  }

  /**
   * Records, in the custom domain's own tenant's audit log, that a credential of another tenant
   * was refused on its Host (up to REFUSALS_AUDITED_PER_MINUTE a minute); counted and logged
   * too. Never throws: the caller's answer is the refusal whatever happens here.
   */
  async recordForeignCredential(
    hostTenantId: string,
    host: string | undefined,
    surface: RefusalSurface,
    credentialTenantId: string | null,
    actor: Actor,
  ): Promise<void> {
    const hostname = hostnameOf(host) ?? null;
    this.refusals.inc({ surface });
    this.logger.warn(
      { tenant_id: hostTenantId, hostname, surface, credential_tenant_id: credentialTenantId },
      "another tenant's credential refused on a custom domain",
    );
    if (!this.withinAuditBudget(hostTenantId)) return;
    try {
      await this.tenantContext.runInTenant(
        hostTenantId,
        () =>
          this.audit.record({
            action: 'custom_domain.foreign_credential_refused',
            resourceType: 'custom_domain',
            resourceId: null,
            details: { hostname, surface, credential_tenant_id: credentialTenantId },
            crossTenantAttempt: true,
          }),
        actor,
      );
    } catch (error) {
      this.logger.error({ tenant_id: hostTenantId, err: error }, 'could not audit a refusal');
    }
  }

  private withinAuditBudget(tenantId: string): boolean {
    const window = this.auditedRefusals.get(tenantId);
    if (!window) {
      this.auditedRefusals.set(tenantId, { count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= REFUSALS_AUDITED_PER_MINUTE;
  }

  private isPlatformName(hostname: string): boolean {
    return hostname === this.baseDomain || hostname.endsWith(`.${this.baseDomain}`);
  }
}
