/** The choices the API accepts, as the console's selects list them. */
export const TIERS = ['starter', 'growth', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export const STATUSES = ['active', 'suspended', 'pending_deletion', 'purging', 'purged'] as const;
export type TenantStatus = (typeof STATUSES)[number];

export const FEATURES = ['white_label', 'sso', 'funnels_retention', 'dedicated_database'] as const;

export const STATUS_LABELS: Record<TenantStatus, string> = {
  active: 'Active',
  suspended: 'Suspended',
  pending_deletion: 'Pending deletion',
  purging: 'Purging',
  purged: 'Purged',
};

export function optionsOf(values: readonly string[], any?: string) {
  return [
    ...(any ? [{ value: '', label: any }] : []),
    ...values.map((value) => ({ value, label: STATUS_LABELS[value as TenantStatus] ?? value })),
  ];
}
