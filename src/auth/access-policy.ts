import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions';

/**
 * Every route declares who may call it; a route without a declaration is refused at run time
 * and fails the route-declaration test, so nothing is silently open.
 */
export type AccessPolicy =
  | { kind: 'public' }
  | { kind: 'platform' }
  | { kind: 'tenant'; permissions: readonly Permission[] };

export const ACCESS_POLICY = 'tenantry:access-policy';

export const setAccessPolicy = (policy: AccessPolicy) => SetMetadata(ACCESS_POLICY, policy);

/** No credential needed (health, liveness). */
export const Public = () => setAccessPolicy({ kind: 'public' });
