import { ApiProperty } from '@nestjs/swagger';
import { TENANT_STATUSES, TENANT_TIERS, type Tenant } from '../tenant.entity';

export class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ enum: TENANT_TIERS }) tier: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deleted_at: string | null;

  static from(tenant: Tenant): TenantResponse {
    return {
      id: tenant.id,
      name: tenant.name,
      slug: tenant.slug,
      tier: tenant.tier,
      status: tenant.status,
      created_at: tenant.createdAt.toISOString(),
      updated_at: tenant.updatedAt.toISOString(),
      deleted_at: tenant.deletedAt ? tenant.deletedAt.toISOString() : null,
    };
  }
}

export class TenantPageResponse {
  @ApiProperty({ type: [TenantResponse] }) data: TenantResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
