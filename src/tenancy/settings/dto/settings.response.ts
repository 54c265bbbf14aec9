import { ApiProperty } from '@nestjs/swagger';
import { DATE_FORMATS, type TenantSettings } from '../tenant-settings.entity';

export class SettingsResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'UTC' }) timezone: string;
  @ApiProperty({ example: 'en' }) locale: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ enum: DATE_FORMATS }) date_format: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static from(settings: TenantSettings): SettingsResponse {
    return {
      tenant_id: settings.tenantId,
      timezone: settings.timezone,
      locale: settings.locale,
      currency: settings.currency,
      date_format: settings.dateFormat,
      updated_at: settings.updatedAt.toISOString(),
    };
  }
}
