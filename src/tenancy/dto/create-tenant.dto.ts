import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
  NotContains,
  IsEmail,
} from 'class-validator';
import { SLUG_PATTERN } from '../slug';
import { TENANT_TIERS, type TenantTier } from '../tenant.entity';
import { IsOmittable } from '../../common/omittable';

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp', maxLength: 200, minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @NotContains('\u0000', { message: 'name must not contain NUL characters' })
  name: string;

  @ApiProperty({
    example: 'acme',
    description: 'Lowercase DNS label; the tenant is also served at <slug>.<BASE_DOMAIN>',
    maxLength: 63,
  })
  @IsString()
  @MaxLength(63)
  @Matches(SLUG_PATTERN, {
    message: 'slug must be a lowercase DNS label: a-z, 0-9 and inner hyphens, 1-63 characters',
  })
  slug: string;

  @ApiProperty({
    example: 'founder@acme.example',
    description: "The tenant's first owner; gets a one-time password-set token",
    format: 'email',
  })
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'owner_email must be an email address' })
  owner_email: string;

  @ApiPropertyOptional({ enum: TENANT_TIERS, default: 'starter' })
  @IsOmittable()
  @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({
    example: 'silo-1',
    maxLength: 63,
    description:
      'Where its rows live (GET /admin/placements): an active placement by name; omitted, the ' +
      'pooled one (the control database). A siloed one (a database of its own) needs a plan ' +
      'with the dedicated_database feature',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(63)
  @Matches(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: 'placement must be a placement name: a-z, 0-9 and inner hyphens',
  })
  placement?: string;
}
