import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { TENANT_STATUSES, TENANT_TIERS } from '../tenant.entity';

const COUNT = { type: 'integer' as const, minimum: 0 };
const countsOf = (keys: readonly string[], description: string): ApiPropertyOptions => ({
  type: 'object',
  description,
  required: [...keys],
  properties: Object.fromEntries(keys.map((key) => [key, COUNT])),
  additionalProperties: COUNT,
});

/** GET /admin/tenants/{id}/statistics. */
export class TenantStatisticsResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status: string;
  @ApiProperty({ enum: TENANT_TIERS }) tier: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Whole days since it was created' })
  age_days: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { users: 3, api_keys: 2, events: 12000 },
    description: 'Row count of every tenant-owned table, read under the tenant’s own RLS scope',
  })
  rows: Record<string, number>;
}

class PlatformTenantCounts {
  @ApiProperty({ type: 'integer', minimum: 0 }) total: number;
  @ApiProperty(countsOf(TENANT_STATUSES, 'Tenants per status, every status listed'))
  by_status: Record<string, number>;
  @ApiProperty(countsOf(TENANT_TIERS, 'Tenants per tier, every tier listed'))
  by_tier: Record<string, number>;
  @ApiProperty({ type: 'integer', minimum: 0 }) created_last_30_days: number;
}

/** GET /admin/statistics. */
export class PlatformStatisticsResponse {
  @ApiProperty({ type: PlatformTenantCounts }) tenants: PlatformTenantCounts;
}
