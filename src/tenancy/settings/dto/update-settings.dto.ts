import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsISO4217CurrencyCode,
  IsLocale,
  IsString,
  IsTimeZone,
  MaxLength,
} from 'class-validator';
import { DATE_FORMATS, type DateFormat } from '../tenant-settings.entity';
import { IsOmittable } from '../../../common/omittable';

export class UpdateSettingsDto {
  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description:
      'IANA time zone name, any letter case; stored as PostgreSQL spells it (utc → UTC), and only when every configured event store knows it',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(64)
  @IsTimeZone({ message: 'timezone must be an IANA time zone such as Europe/Berlin' })
  timezone?: string;

  @ApiPropertyOptional({ example: 'de-DE', description: 'BCP 47 locale' })
  @IsOmittable()
  @IsString()
  @MaxLength(35)
  @IsLocale({ message: 'locale must be a BCP 47 locale such as en or de-DE' })
  locale?: string;

  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217 currency code' })
  @IsOmittable()
  @IsString()
  @MaxLength(3)
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 code such as USD or EUR' })
  currency?: string;

  @ApiPropertyOptional({ enum: DATE_FORMATS })
  @IsOmittable()
  @IsIn(DATE_FORMATS)
  date_format?: DateFormat;
}
