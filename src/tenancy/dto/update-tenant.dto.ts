import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength, NotContains } from 'class-validator';
import { TENANT_TIERS, type TenantTier } from '../tenant.entity';
import { IsOmittable } from '../../common/omittable';

/** Deletion has its own route (DELETE), so PATCH may only activate or suspend. */
export const PATCHABLE_STATUSES = ['active', 'suspended'] as const;

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200, minLength: 1 })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @NotContains('\u0000', { message: 'name must not contain NUL characters' })
  name?: string;

  @ApiPropertyOptional({ enum: TENANT_TIERS })
  @IsOmittable()
  @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({ enum: PATCHABLE_STATUSES })
  @IsOmittable()
  @IsIn(PATCHABLE_STATUSES, { message: 'status must be one of: active, suspended' })
  status?: (typeof PATCHABLE_STATUSES)[number];
}
