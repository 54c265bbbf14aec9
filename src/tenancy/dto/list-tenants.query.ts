import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, NotContains } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import {
  TENANT_STATUSES,
  TENANT_TIERS,
  type TenantStatus,
  type TenantTier,
} from '../tenant.entity';

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ enum: TENANT_TIERS })
  @IsOptional()
  @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name or the slug', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @NotContains('\u0000', { message: 'search must not contain NUL characters' })
  search?: string;
}
