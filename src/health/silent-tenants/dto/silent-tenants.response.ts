import { ApiProperty } from '@nestjs/swagger';

class SilentTenantResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) last_event_at: string;
}

/** GET /admin/silent-tenants. */
export class SilentTenantsResponse {
  @ApiProperty({
    type: [SilentTenantResponse],
    description: 'Longest silent first, at most 1000',
  })
  data: SilentTenantResponse[];
}
