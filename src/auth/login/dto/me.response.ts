import { ApiProperty } from '@nestjs/swagger';
import { UserResponse } from '../../users/dto/user.response';
import { PERMISSIONS, ROLES } from '../../permissions';
import { TENANT_TIERS } from '../../../tenancy/tenant.entity';

class MeTenant {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) slug: string;
  @ApiProperty({ example: 'Acme Corp' }) name: string;
  @ApiProperty({ enum: TENANT_TIERS }) tier: string;
}

/** GET /auth/me: who the credential is, in the tenant it acts on. */
export class MeResponse {
  @ApiProperty({ type: MeTenant, description: 'The tenant the credential acts on' })
  tenant: MeTenant;

  @ApiProperty({
    enum: ['tenant', 'api_key', 'platform_admin'],
    description:
      'tenant: a user access token; api_key: an API key; platform_admin: acting on X-Tenant-ID',
  })
  credential: 'tenant' | 'api_key' | 'platform_admin';

  @ApiProperty({
    type: String,
    nullable: true,
    enum: ROLES,
    description: 'The role claim of a user token (null for keys and platform admins)',
  })
  role: string | null;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...PERMISSIONS] },
    description: "The permissions held: the role's, the key's scopes, or all for a platform admin",
  })
  permissions: readonly string[];

  @ApiProperty({
    type: UserResponse,
    nullable: true,
    description: 'The user of a user token (null for keys and platform admins)',
  })
  user: UserResponse | null;
}
