import { Injectable } from '@nestjs/common';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { TenantSettingsService } from '../../tenancy/settings/tenant-settings.service';
import { TimezoneRulesService } from '../../tenancy/settings/timezone-rules.service';
import type { Tenant } from '../../tenancy/tenant.entity';
import { type AnalyticsQuery, type ParseOptions, readSharedQuery } from './analytics-query';

/**
 * The shared query parameters of every analytics route (from, to, event_type, property.<key>),
 * read against the tenant: the timezone of its settings and its plan's retention (its terms,
 * overrides included). One 400 names
 * every problem, the route's own included.
 */
@Injectable()
export class AnalyticsQueryService {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly timezones: TimezoneRulesService,
    private readonly entitlements: EntitlementsService,
  ) {}

  async parse(
    raw: Record<string, unknown>,
    tenant: Tenant,
    options: ParseOptions = {},
  ): Promise<AnalyticsQuery> {
    const settings = await this.settings.get();
    const terms = await this.entitlements.termsOf(tenant);
    return readSharedQuery(
      raw,
      {
        tenantId: tenant.id,
        // A zone saved before the timezone rules (`utc`) is read under a name every store knows.
        timezone: await this.timezones.usable(settings.timezone),
        retentionDays: terms.dataRetentionDays,
        now: Date.now(),
      },
      options,
    );
  }
}

/** What a route's params parser needs of the shared reader (a fixed context in unit tests). */
export type SharedQueryReader = Pick<AnalyticsQueryService, 'parse'>;
