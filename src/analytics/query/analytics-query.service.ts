import { Injectable } from '@nestjs/common';
import { type FieldError, InvalidInputException } from '../../common/field-error';
import { PLANS } from '../../tenancy/plans';
import { TenantSettingsService } from '../../tenancy/settings/tenant-settings.service';
import { TimezoneRulesService } from '../../tenancy/settings/timezone-rules.service';
import type { TenantRequest } from '../../tenancy/scope/tenant-request';
import { type AnalyticsQuery, parseAnalyticsQuery } from './analytics-query';

export interface ParseOptions {
  /** The route's own query parameters, which the shared parser lets through. */
  extra?: readonly string[];
  /** False on routes whose event types come from elsewhere (funnel steps, retention events). */
  eventType?: boolean;
  /** Problems the route already found (its own parameters or body), answered in the same 400. */
  errors?: FieldError[];
}

/**
 * The shared query parameters of every analytics route (from, to, event_type, property.<key>),
 * read against the caller's tenant: its timezone and its plan's retention. One 400 names every
 * problem, the route's own included.
 */
@Injectable()
export class AnalyticsQueryService {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly timezones: TimezoneRulesService,
  ) {}

  async parse(
    raw: Record<string, unknown>,
    request: TenantRequest,
    options: ParseOptions = {},
  ): Promise<AnalyticsQuery> {
    const tenant = request.tenant!;
    const settings = await this.settings.get();
    const parsed = parseAnalyticsQuery(
      raw,
      {
        tenantId: tenant.id,
        // A zone saved before the timezone rules (`utc`) is read under a name every store knows.
        timezone: await this.timezones.usable(settings.timezone),
        retentionDays: PLANS[tenant.tier].dataRetentionDays,
        now: Date.now(),
      },
      options.extra ?? [],
    );
    const errors = [...(options.errors ?? []), ...('errors' in parsed ? parsed.errors : [])];
    if (options.eventType === false && raw.event_type !== undefined) {
      errors.push({
        field: 'event_type',
        message: 'event_type is not a parameter of this route: its event types are named apart',
      });
    }
    if (errors.length > 0 || 'errors' in parsed) throw new InvalidInputException(errors);
    return parsed.query;
  }
}
