import type { Request } from 'express';
import type { Tenant } from './tenant.entity';

/** Who is calling: a tenant's own credential, or a platform admin acting on a tenant. */
export type Principal =
  | { kind: 'tenant'; subject: string; tenantId: string; role?: string }
  | { kind: 'platform_admin'; subject: string };

/** An Express request after the auth guard resolved its principal and, for /v1, its tenant. */
export interface TenantRequest extends Request {
  principal?: Principal;
  tenant?: Tenant;
}
