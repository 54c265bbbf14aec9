import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { InvalidInputException } from '../../common/field-error';
import { TenantContext } from '../scope/tenant.context';
import { UpdateSettingsDto } from './dto/update-settings.dto';
import { TenantSettings } from './tenant-settings.entity';
import { TenantSettingsRepository } from './tenant-settings.repository';
import { TimezoneRulesService } from './timezone-rules.service';

/** Reads and writes the current tenant's settings, always through the tenant transaction. */
@Injectable()
export class TenantSettingsService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly repository: TenantSettingsRepository,
    private readonly audit: AuditService,
    private readonly timezones: TimezoneRulesService,
  ) {}

  /** Seed defaults (UTC, en, USD, YYYY-MM-DD) for a tenant being provisioned. */
  async createDefaults(): Promise<TenantSettings> {
    return this.repository.insertDefaults(this.tenantContext.tenantId);
  }

  async get(): Promise<TenantSettings> {
    const settings = await this.repository.findByTenant(this.tenantContext.tenantId);
    if (!settings) throw new NotFoundException('Settings not found for this tenant');
    return settings;
  }

  async update(change: UpdateSettingsDto): Promise<TenantSettings> {
    const settings = await this.get();
    if (change.timezone !== undefined) {
      // Stored canonical (utc → UTC) and only when every configured store knows it.
      const verdict = await this.timezones.accept(change.timezone);
      if ('refused' in verdict) {
        throw new InvalidInputException([{ field: 'timezone', message: verdict.refused }]);
      }
      settings.timezone = verdict.zone;
    }
    if (change.locale !== undefined) settings.locale = change.locale;
    if (change.currency !== undefined) settings.currency = change.currency.toUpperCase();
    if (change.date_format !== undefined) settings.dateFormat = change.date_format;
    const saved = await this.repository.save(settings);
    await this.audit.record({
      action: 'settings.updated',
      resourceType: 'settings',
      resourceId: settings.tenantId,
      details: { ...change, ...(change.timezone !== undefined && { timezone: settings.timezone }) },
    });
    return saved;
  }
}
