/**
 * What the embed page hands its script, as JSON in <script type="application/json"
 * id="embed-config"> (written by ../embed-page.ts; the two must agree).
 */
export interface EmbedConfig {
  dashboardId: string;
  token: string;
  /** Epoch milliseconds: when the guest token stops working. */
  expiresAt: number;
  widgets: { id: string; kind: string; title: string; metric: string; dataUrl: string }[];
}

export function readConfig(): EmbedConfig {
  const element = document.getElementById('embed-config');
  if (!element?.textContent) throw new Error('embed-config is missing');
  return JSON.parse(element.textContent) as EmbedConfig;
}

/** The tenant's colours, from the CSS variables the page sets (one source of truth: branding). */
export interface Theme {
  primary: string;
  accent: string;
  background: string;
  text: string;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    primary: read('--tenantry-primary'),
    accent: read('--tenantry-accent'),
    background: read('--tenantry-background'),
    text: read('--tenantry-text'),
  };
}
