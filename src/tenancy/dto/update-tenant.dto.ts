import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength, NotContains } from 'class-validator';
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

  @ApiPropertyOptional({
    enum: TENANT_TIERS,
    description: 'Moves the tenant to the current version of this plan, effective now (as plan)',
  })
  @IsOmittable()
  @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({
    enum: TENANT_TIERS,
    description:
      'Moves the tenant to the current version of this plan, effective now: the current plan ' +
      'period ends and the next begins at the same instant (invoices prorate by seconds)',
  })
  @IsOmittable()
  @IsIn(TENANT_TIERS, { message: `plan must be one of: ${TENANT_TIERS.join(', ')}` })
  plan?: TenantTier;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Moves the tenant to this exact plan version (an older one too), effective now',
  })
  @IsOmittable()
  @IsUUID('all', { message: 'plan_id must be a UUID' })
  plan_id?: string;

  @ApiPropertyOptional({ enum: PATCHABLE_STATUSES })
  @IsOmittable()
  @IsIn(PATCHABLE_STATUSES, { message: 'status must be one of: active, suspended' })
  status?: (typeof PATCHABLE_STATUSES)[number];
}
