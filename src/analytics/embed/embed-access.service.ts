import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../../tenancy/scope/actor';
import { CrossTenantAttemptsService } from '../../audit/cross-tenant/cross-tenant-attempts.service';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { BrandingService } from '../../branding/branding.service';
import type { Branding } from '../../branding/tenant-branding.entity';
import { isUuid } from '../../common/uuid';
import { TenantHostsService } from '../../tenancy/hosts/tenant-hosts.service';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantSettingsService } from '../../tenancy/settings/tenant-settings.service';
import { TimezoneRulesService } from '../../tenancy/settings/timezone-rules.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { TenantsService } from '../../tenancy/tenants.service';
import type { Dashboard } from '../dashboards/dashboard.entity';
import { DashboardsService } from '../dashboards/dashboards.service';
import { EmbedRefusal, type GuestTokenClaims } from './guest-token-claims';
import { GuestTokensService } from './guest-tokens.service';

/** What an accepted embed request may use, inside its tenant's transaction. */
export interface EmbedScope {
  claims: GuestTokenClaims;
  tenant: Tenant;
  dashboard: Dashboard;
  branding: Branding;
  timezone: string;
}

/**
 * The one gate of every /embed route that shows data. The tenant comes from the verified guest
 * token and from nothing else (no Host, no header): the token must be valid and unexpired, its
 * tenant active, and the dashboard in the URL must be the one the token names. A Host that is
 * another tenant's custom domain refuses the token (403, audited in that tenant). The work then
 * runs in that tenant's RLS transaction, so even a bug past this gate reads only that tenant.
 *
 * A URL naming a dashboard the token's tenant does not have answers 404; when another tenant
 * owns it, the attempt goes to that tenant's audit log, as for every /v1 route.
 */
@Injectable()
export class EmbedAccessService {
  constructor(
    private readonly guestTokens: GuestTokensService,
    private readonly tenants: TenantsService,
    private readonly tenantContext: TenantContext,
    private readonly dashboards: DashboardsService,
    private readonly branding: BrandingService,
    private readonly settings: TenantSettingsService,
    private readonly crossTenantAttempts: CrossTenantAttemptsService,
    private readonly timezones: TimezoneRulesService,
    private readonly hosts: TenantHostsService,
  ) {}

  async open<T>(
    token: string | undefined,
    dashboardId: string,
    request: Request,
    work: (scope: EmbedScope) => T | Promise<T>,
  ): Promise<T> {
    const claims = await this.guestTokens.verify(token);
    if (!isUuid(dashboardId)) throw new EmbedRefusal('not_found');
    const id = dashboardId.toLowerCase();
    const tenant = await this.tenants.findById(claims.tenant_id);
    if (!tenant || tenant.status !== 'active') throw new EmbedRefusal('unavailable');
    const actor = guestActor(request, claims);
    // On a tenant's custom domain, only that tenant's dashboards are shown.
    const domainTenantId = await this.hosts.customDomainTenantId(request.headers.host);
    if (domainTenantId && domainTenantId !== tenant.id) {
      await this.hosts.recordForeignCredential(
        domainTenantId,
        request.headers.host,
        'embed',
        tenant.id,
        actor,
      );
      throw new EmbedRefusal('other_host');
    }
    try {
      return await this.tenantContext.runInTenant(
        tenant.id,
        async () => {
          const dashboard = await this.dashboards.find(id);
          if (!dashboard) throw new EmbedRefusal('not_found');
          if (dashboard.id !== claims.dashboard_id) throw new EmbedRefusal('other_dashboard');
          const [branding, settings] = await Promise.all([
            this.branding.current(),
            this.settings.get(),
          ]);
          const timezone = await this.timezones.usable(settings.timezone);
          return work({ claims, tenant, dashboard, branding, timezone });
        },
        actor,
      );
    } catch (error) {
      if (
        error instanceof EmbedRefusal &&
        error.reason === 'not_found' &&
        id !== claims.dashboard_id
      ) {
        await this.crossTenantAttempts.recordIfForeign(
          tenant.id,
          new ResourceNotFoundException('dashboard', id),
          actor,
          {
            method: request.method,
            route: (request.route as { path?: string } | undefined)?.path ?? request.path,
          },
        );
      }
      throw error;
    }
  }
}

/** Guests are no user of the tenant: recorded as anonymous, named by the token's subject. */
function guestActor(request: Request, claims: GuestTokenClaims): Actor {
  const user = claims.embed_user as { email?: unknown; id?: unknown };
  const name = typeof user.email === 'string' ? user.email : String(user.id);
  const userAgent = request.headers['user-agent'];
  return {
    type: 'anonymous',
    id: `guest:${name}`.slice(0, 128),
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
}
