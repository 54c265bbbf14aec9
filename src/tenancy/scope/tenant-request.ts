import type { Request } from 'express';
import type { Tenant } from '../tenant.entity';
import type { Caller } from './caller';

/** An Express request after the access guards: its caller, and for tenant routes its tenant. */
export interface TenantRequest extends Request {
  caller?: Caller;
  tenant?: Tenant;
}
