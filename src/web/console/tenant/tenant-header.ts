/** The header that makes a platform admin's token act on one tenant's /v1 routes. */
export function asTenant(tenantId: string): { header: { 'X-Tenant-ID': string } } {
  return { header: { 'X-Tenant-ID': tenantId } };
}
