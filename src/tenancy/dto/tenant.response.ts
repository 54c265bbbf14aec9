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

class TenantOwnerResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
}

/** The answer to provisioning: the tenant, its owner, and the owner's one-time password-set token. */
export class TenantCreatedResponse extends TenantResponse {
  @ApiProperty({ type: TenantOwnerResponse }) owner: TenantOwnerResponse;
  @ApiProperty({ description: 'Shown once; POST /auth/password with it sets the owner password' })
  password_set_token: string;
  @ApiProperty({ format: 'date-time' }) password_set_expires_at: string;
}

export class TenantPageResponse {
  @ApiProperty({ type: [TenantResponse] }) data: TenantResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
