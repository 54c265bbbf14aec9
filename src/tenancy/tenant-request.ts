import type { Request } from 'express';
import type { Permission } from '../auth/permissions';
import type { Tenant } from './tenant.entity';

/** Who is calling: a tenant user's token, a tenant's API key, or a platform admin acting on a tenant. */
export type Principal =
  | { kind: 'tenant'; subject: string; tenantId: string; role?: string }
  | {
      kind: 'api_key';
      subject: string;
      tenantId: string;
      keyId: string;
      scopes: readonly Permission[];
    }
  | { kind: 'platform_admin'; subject: string };

/** An Express request after the auth guard resolved its principal and, for /v1, its tenant. */
export interface TenantRequest extends Request {
  principal?: Principal;
  tenant?: Tenant;
}
