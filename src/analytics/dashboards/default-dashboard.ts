import type { WidgetInput } from './widgets';

/**
 * The dashboard every tenant starts with (made when the tenant is provisioned; migration
 * 1763900000021 made the same for tenants that existed before dashboards did).
 */
export const DEFAULT_DASHBOARD_NAME = 'Overview';

export const DEFAULT_DASHBOARD_WIDGETS: readonly WidgetInput[] = [
  { kind: 'kpi', title: 'Events', metric: 'events', options: { range_days: 7 } },
  { kind: 'kpi', title: 'Users', metric: 'users', options: { range_days: 7 } },
  {
    kind: 'timeseries',
    title: 'Events per day',
    metric: 'events',
    options: { range_days: 30, interval: 'day' },
  },
  {
    kind: 'breakdown',
    title: 'Top events',
    metric: 'events',
    options: { range_days: 7, dimension: 'event_type', limit: 10 },
  },
];
