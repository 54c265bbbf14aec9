import { ConflictException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomBytes } from 'node:crypto';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { AuditService } from '../../audit/audit.service';
import { InvalidInputException } from '../../common/field-error';
import { isUniqueViolation } from '../../common/postgres-errors';
import type { Environment } from '../../config/environment';
import { TenantHostsService } from '../../tenancy/hosts/tenant-hosts.service';
import type { Actor } from '../../tenancy/scope/actor';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { Tenant } from '../../tenancy/tenant.entity';
import type { CustomDomain, CustomDomainStatus } from './custom-domain.entity';
import { CustomDomainsRepository } from './custom-domains.repository';
import { challengeRecordName, challengeRecordValue, normalizeCustomHostname } from './hostname';
import { TxtRecordResolver } from './txt-record.resolver';

export const CUSTOM_DOMAIN_CHECKS = 'tenantry_custom_domain_checks_total';

/** Custom domains one tenant may hold (any status): enough for a workspace and a staging name. */
export const MAX_CUSTOM_DOMAINS_PER_TENANT = 5;

/** The scheduled re-check, as the audit log names it (no user: the platform's own job). */
const RECHECK_ACTOR: Actor = {
  type: 'anonymous',
  id: 'job:custom-domain-recheck',
  ip: null,
  userAgent: null,
};

const TAKEN = 'hostname is already verified by another tenant of this platform';

/**
 * A tenant's custom domains: add one (its TXT challenge), check it through DNS, remove it.
 * Adds and removals run in the request's tenant transaction; a check runs outside one (the DNS
 * lookup may take seconds), in a short transaction to read and another to store its outcome.
 * Every change is audited.
 */
@Injectable()
export class CustomDomainsService {
  private readonly baseDomain: string;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly domains: CustomDomainsRepository,
    private readonly txt: TxtRecordResolver,
    private readonly hosts: TenantHostsService,
    private readonly audit: AuditService,
    private readonly logger: PinoLogger,
    @InjectMetric(CUSTOM_DOMAIN_CHECKS) private readonly checks: Counter<'outcome'>,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDomain = config.get('BASE_DOMAIN', { infer: true });
    this.logger.setContext(CustomDomainsService.name);
  }

  /** Where the domain's CNAME points: the tenant's own platform name. */
  routingTarget(tenant: Tenant): string {
    return `${tenant.slug}.${this.baseDomain}`;
  }

  async add(input: { hostname: string }, tenant: Tenant): Promise<CustomDomain> {
    const check = normalizeCustomHostname(input.hostname, this.baseDomain);
    if ('problem' in check) {
      throw new InvalidInputException([{ field: 'hostname', message: check.problem }]);
    }
    const { hostname } = check;
    const owner = await this.hosts.verifiedOwnerOf(hostname);
    if (owner && owner !== tenant.id) throw conflict(TAKEN);
    if ((await this.domains.countLocked()) >= MAX_CUSTOM_DOMAINS_PER_TENANT) {
      throw conflict(
        `A tenant can have at most ${MAX_CUSTOM_DOMAINS_PER_TENANT} custom domains; delete one first`,
      );
    }
    let saved: CustomDomain;
    try {
      saved = await this.domains.insert({
        tenantId: tenant.id,
        hostname,
        verificationToken: randomBytes(24).toString('base64url'),
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict('hostname is already one of this tenant’s domains');
      throw error;
    }
    await this.audit.record({
      action: 'custom_domain.added',
      resourceType: 'custom_domain',
      resourceId: saved.id,
      details: { hostname },
    });
    return this.get(saved.id);
  }

  list(): Promise<CustomDomain[]> {
    return this.domains.list();
  }

  async get(id: string): Promise<CustomDomain> {
    const domain = await this.domains.find(id);
    if (!domain) throw new ResourceNotFoundException('custom_domain', id);
    return domain;
  }

  /**
   * Looks the TXT record up now and stores the outcome: verified when one of the name's TXT
   * values is exactly `tenantry-verify=<token>`, else failed with the reason in last_error. A
   * DNS failure or timeout is such a reason, not an error of the request. Called outside the
   * request's transaction.
   */
  async verify(id: string, tenant: Tenant, actor: Actor): Promise<CustomDomain> {
    const domain = await this.tenantContext.runInTenant(tenant.id, () => this.get(id), actor);
    await this.check(domain, actor, 'verify');
    return this.tenantContext.runInTenant(tenant.id, () => this.get(id), actor);
  }

  /**
   * The scheduled re-check of a verified domain (CustomDomainRechecksService): a name whose
   * record is gone or changed (the domain changed hands, say) stops serving the tenant. A DNS
   * failure or timeout keeps it verified (an outage is no answer), with the reason noted.
   * The outcome, or `gone` when the domain was deleted or unverified meanwhile.
   */
  async recheck(tenantId: string, id: string): Promise<string> {
    const domain = await this.tenantContext.runInTenant(
      tenantId,
      () => this.domains.find(id),
      RECHECK_ACTOR,
    );
    if (!domain || domain.status !== 'verified') return 'gone';
    return this.check(domain, RECHECK_ACTOR, 'recheck');
  }

  /** One DNS check of `domain`, stored and audited (a passed re-check only stored). */
  private async check(
    domain: CustomDomain,
    actor: Actor,
    kind: 'verify' | 'recheck',
  ): Promise<string> {
    const name = challengeRecordName(domain.hostname);
    const expected = challengeRecordValue(domain.verificationToken);
    const lookup = await this.txt.lookup(name);
    let status: CustomDomainStatus = 'failed';
    let lastError: string | null = null;
    let outcome: string;
    if (lookup.kind === 'error') {
      outcome = 'dns_error';
      lastError = lookup.message;
      if (kind === 'recheck') status = 'verified';
    } else if (lookup.kind === 'none') {
      outcome = 'missing';
      lastError = `No TXT record found at ${name}; create it with the value ${expected}`;
    } else if (!lookup.values.includes(expected)) {
      outcome = 'mismatch';
      lastError = `The TXT record at ${name} does not hold ${expected}`;
    } else {
      outcome = 'verified';
      status = 'verified';
    }
    const owner = status === 'verified' ? await this.hosts.verifiedOwnerOf(domain.hostname) : null;
    if (owner && owner !== domain.tenantId) throw conflict(TAKEN);
    const quiet = kind === 'recheck' && status === 'verified';
    try {
      await this.tenantContext.runInTenant(
        domain.tenantId,
        async () => {
          await this.domains.recordCheck(domain.id, { status, lastError });
          if (quiet) return;
          await this.audit.record({
            action:
              status === 'verified'
                ? 'custom_domain.verified'
                : kind === 'recheck'
                  ? 'custom_domain.recheck_failed'
                  : 'custom_domain.check_failed',
            resourceType: 'custom_domain',
            resourceId: domain.id,
            details: {
              hostname: domain.hostname,
              outcome,
              ...(lastError ? { error: lastError } : {}),
            },
          });
        },
        actor,
      );
    } catch (error) {
      // Another tenant verified the name between the check above and this write.
      if (isUniqueViolation(error)) throw conflict(TAKEN);
      throw error;
    }
    this.checks.inc({ outcome });
    this.logger.info(
      { tenant_id: domain.tenantId, hostname: domain.hostname, outcome, kind },
      'custom domain checked',
    );
    // This process serves (or stops serving) the name from the next request on.
    this.hosts.forget(domain.hostname);
    return outcome;
  }

  /** Removes it at once; the Host stops resolving to the tenant. Called outside a transaction. */
  async remove(id: string, tenant: Tenant, actor: Actor): Promise<void> {
    const hostname = await this.tenantContext.runInTenant(
      tenant.id,
      async () => {
        const domain = await this.get(id);
        await this.domains.delete(domain.id);
        await this.audit.record({
          action: 'custom_domain.deleted',
          resourceType: 'custom_domain',
          resourceId: domain.id,
          details: { hostname: domain.hostname, status: domain.status },
        });
        return domain.hostname;
      },
      actor,
    );
    // After the commit, so no request in between can cache the old answer again.
    this.hosts.forget(hostname);
  }
}

function conflict(message: string): ConflictException {
  return new ConflictException({
    statusCode: 409,
    error: 'Conflict',
    message,
    errors: [{ field: 'hostname', message }],
  });
}
