import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { TenantHostsService } from '../hosts/tenant-hosts.service';
import { slugFromHost } from '../slug';
import { actorOf } from './actor';
import { CredentialCacheStore } from './credential-cache/credential-cache.store';
import type { Caller } from './caller';
import type { TenantRequest } from './tenant-request';
import { isDeleted, type Tenant } from '../tenant.entity';
import { TenantsService } from '../tenants.service';
import { isUuid } from '../../common/uuid';

/**
 * Finds the tenant a request acts for, in order: the verified token's tenant_id claim; the
 * X-Tenant-ID header (platform admins only); the Host subdomain `<slug>.<BASE_DOMAIN>` or a
 * tenant's verified custom domain. Unknown tenant: 401. Suspended or deleted: 403. A tenant token
 * used on another tenant's subdomain: 403. On a custom domain every other tenant's credential is
 * refused (403, audited in the domain's tenant), platform admins naming another tenant included.
 */
@Injectable()
export class TenantResolver {
  private readonly baseDomain: string;

  constructor(
    private readonly tenants: TenantsService,
    private readonly hosts: TenantHostsService,
    private readonly cache: CredentialCacheStore,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDomain = config.get('BASE_DOMAIN', { infer: true });
  }

  async resolve(request: TenantRequest, principal: Caller): Promise<Tenant> {
    const hostSlug = slugFromHost(request.headers.host, this.baseDomain);
    // A custom domain serves one tenant: only that tenant's credentials act there.
    const domainTenantId = hostSlug
      ? null
      : await this.hosts.customDomainTenantId(request.headers.host);
    let tenant: Tenant | null;

    const header = request.headers['x-tenant-id'];
    if (header !== undefined && !isUuid(header)) {
      throw new BadRequestException({
        message: 'X-Tenant-ID must be a UUID',
        errors: [{ field: 'X-Tenant-ID', message: 'X-Tenant-ID must be a UUID' }],
      });
    }
    const named = header?.toLowerCase();
    const actsFor = principal.kind === 'platform_admin' ? named : principal.tenantId;
    if (domainTenantId && actsFor && actsFor !== domainTenantId) {
      await this.hosts.recordForeignCredential(
        domainTenantId,
        request.headers.host,
        'api',
        actsFor,
        actorOf(request, principal),
      );
      throw new ForbiddenException(
        'This credential belongs to another tenant than the one this custom domain serves',
      );
    }

    if (principal.kind === 'tenant' || principal.kind === 'api_key') {
      // A tenant credential acts for its own tenant only; a request naming another one is
      // refused rather than silently answered for the token's tenant.
      if (named && named !== principal.tenantId) {
        throw new ForbiddenException(
          'This credential belongs to another tenant than X-Tenant-ID names',
        );
      }
      tenant = await this.tenantById(principal.tenantId);
      if (tenant && hostSlug && hostSlug !== tenant.slug) {
        throw new ForbiddenException(
          'This credential belongs to another tenant than the Host names',
        );
      }
    } else if (named) {
      tenant = await this.tenantById(named);
      if (tenant && hostSlug && hostSlug !== tenant.slug) {
        throw new BadRequestException({
          message: 'X-Tenant-ID and the Host subdomain name different tenants',
          errors: [
            { field: 'X-Tenant-ID', message: 'X-Tenant-ID names another tenant than the Host' },
          ],
        });
      }
    } else if (domainTenantId) {
      tenant = await this.tenantById(domainTenantId);
    } else if (hostSlug) {
      tenant = await this.tenants.findBySlug(hostSlug);
    } else {
      throw new BadRequestException({
        message: 'Platform credentials must name a tenant with X-Tenant-ID or a tenant subdomain',
        errors: [
          { field: 'X-Tenant-ID', message: 'X-Tenant-ID is required for platform credentials' },
        ],
      });
    }

    // A siloed tenant still being provisioned (issue 18) is not served yet.
    if (!tenant || tenant.provisioning) throw new UnauthorizedException('Unknown tenant');
    if (tenant.status === 'suspended') {
      throw new ForbiddenException(
        `Tenant ${tenant.slug} is suspended; contact the platform operator`,
      );
    }
    // Pending deletion refuses every credential (tokens, API keys) until a restore.
    if (isDeleted(tenant.status))
      throw new ForbiddenException(`Tenant ${tenant.slug} has been deleted`);
    return tenant;
  }

  /** The tenant row, from the credential cache while it is fresh (status and plan included). */
  private tenantById(id: string): Promise<Tenant | null> {
    return this.cache.tenant(id, () => this.tenants.findById(id));
  }
}
