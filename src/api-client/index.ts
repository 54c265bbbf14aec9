import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
export type Schemas = components['schemas'];

/**
 * A typed client of the Tenantry API: openapi-fetch over the types openapi-typescript generates
 * from docs/openapi.json (`npm run openapi`), so every path, parameter, body and answer is
 * checked by the compiler against the published contract.
 */
export function createTenantryClient(
  baseUrl: string,
  options: Omit<ClientOptions, 'baseUrl'> = {},
) {
  return createClient<paths>({ baseUrl, ...options });
}

export type TenantryClient = ReturnType<typeof createTenantryClient>;
