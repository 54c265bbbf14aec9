/**
 * The /embed routes (not in the OpenAPI document: they are for browsers, not API clients).
 *
 *   GET /embed/dashboards/:id?token=…                   the dashboard page (HTML)
 *   GET /embed/assets/:file                             the page's script (Chart.js bundled in)
 *   GET /embed/api/dashboards/:id/widgets/:widgetId     one widget's numbers (JSON, Bearer guest token)
 */
export const EMBED_PREFIX = 'embed';

export function embedPagePath(dashboardId: string, token: string): string {
  return `/embed/dashboards/${dashboardId}?token=${encodeURIComponent(token)}`;
}

export function widgetDataPath(dashboardId: string, widgetId: string): string {
  return `/embed/api/dashboards/${dashboardId}/widgets/${widgetId}`;
}
