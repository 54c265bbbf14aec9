import { NotFoundException } from '@nestjs/common';

/**
 * Resource kinds whose owning tenant record_cross_tenant_attempt (migration 1763900000008 and
 * later) can look up. A new tenant resource joins this list and that function's CASE together.
 */
export const LOCATABLE_RESOURCES = [
  'user',
  'api_key',
  'dashboard',
  'invoice',
  'data_export',
  'erasure',
  'custom_domain',
] as const;
export type LocatableResource = (typeof LOCATABLE_RESOURCES)[number];

const LABELS: Record<LocatableResource, string> = {
  user: 'User',
  api_key: 'API key',
  dashboard: 'Dashboard',
  invoice: 'Invoice',
  data_export: 'Export',
  erasure: 'Erasure request',
  custom_domain: 'Custom domain',
};

/**
 * A tenant resource the caller cannot see: missing, or another tenant's (RLS makes the two look
 * alike, and the answer is the same 404). Thrown instead of a plain NotFoundException so the
 * tenant transaction can check, after rolling back, whether another tenant owns the id.
 */
export class ResourceNotFoundException extends NotFoundException {
  constructor(
    readonly resourceType: LocatableResource,
    readonly resourceId: string,
  ) {
    super(`${LABELS[resourceType]} ${resourceId} not found`);
  }
}
