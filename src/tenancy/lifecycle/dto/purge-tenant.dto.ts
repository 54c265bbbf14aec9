import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../../common/omittable';
import { SLUG_PATTERN } from '../../slug';

/** POST /admin/tenants/:id/purge: the operator types the tenant's slug, as a confirmation. */
export class PurgeTenantDto {
  @ApiProperty({ description: "The tenant's slug, exactly", example: 'acme', maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(SLUG_PATTERN, { message: 'confirm_slug must be a tenant slug' })
  confirm_slug: string;

  @ApiPropertyOptional({
    description: 'Purge before the grace period is over (default false)',
    default: false,
  })
  @IsOmittable()
  @IsBoolean()
  force?: boolean;
}
