import type { Branding } from '../../branding/tenant-branding.entity';
import type { Widget } from '../dashboards/widgets';
import type { EmbedScript } from './embed.assets';
import { widgetDataPath } from './embed-paths';
import { escapeHtml } from '../../common/escape-html';

/** JSON safe inside a <script> element: no "</script>", no "<!--", no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Colours are checked #rrggbb on the way in (and by the table's CHECKs); checked again here. */
function color(value: string, fallback: string): string {
  return /^#[0-9a-f]{6}$/.test(value) ? value : fallback;
}

function styles(branding: Branding, nonce: string): string {
  return `<style nonce="${escapeHtml(nonce)}">
:root {
  --tenantry-primary: ${color(branding.primaryColor, '#4f46e5')};
  --tenantry-accent: ${color(branding.accentColor, '#f59e0b')};
  --tenantry-background: ${color(branding.backgroundColor, '#ffffff')};
  --tenantry-text: ${color(branding.textColor, '#111827')};
}
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  background: var(--tenantry-background); color: var(--tenantry-text); }
header { display: flex; align-items: center; gap: 12px; margin-bottom: 16px; }
header img { max-height: 32px; }
h1 { font-size: 20px; margin: 0; color: var(--tenantry-primary); }
h2 { font-size: 14px; margin: 0 0 8px; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.widget { border: 1px solid color-mix(in srgb, var(--tenantry-text) 15%, transparent); border-radius: 8px; padding: 12px; min-height: 120px; }
.widget-timeseries, .widget-breakdown { grid-column: span 2; }
.kpi-value { font-size: 36px; font-weight: 700; color: var(--tenantry-primary); }
.kpi-previous { color: var(--tenantry-accent); }
.chart-box { position: relative; height: 240px; }
.chart-data { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.notice { padding: 12px 16px; margin-bottom: 16px; border-radius: 8px; border: 1px solid var(--tenantry-accent);
  background: color-mix(in srgb, var(--tenantry-accent) 15%, var(--tenantry-background)); font-weight: 600; }
@media (max-width: 700px) { .widget-timeseries, .widget-breakdown { grid-column: auto; } }
</style>`;
}

/**
 * The embedded dashboard: its name, one section per widget (filled in by the bundled script),
 * the tenant's colours as CSS variables, and the script's configuration as inert JSON.
 */
export function renderDashboardPage(input: {
  name: string;
  widgets: readonly Widget[];
  branding: Branding;
  token: string;
  expiresAt: number;
  dashboardId: string;
  script: EmbedScript;
  nonce: string;
}): string {
  const config = {
    dashboardId: input.dashboardId,
    token: input.token,
    expiresAt: input.expiresAt,
    widgets: input.widgets.map((widget) => ({
      id: widget.id,
      kind: widget.kind,
      title: widget.title,
      metric: widget.metric,
      dataUrl: widgetDataPath(input.dashboardId, widget.id),
    })),
  };
  const sections = input.widgets
    .map(
      (
        widget,
      ) => `<section class="widget widget-${escapeHtml(widget.kind)}" data-widget-id="${escapeHtml(widget.id)}" data-kind="${escapeHtml(widget.kind)}" data-state="loading">
  <h2>${escapeHtml(widget.title)}</h2>
  <div class="widget-body">Loading…</div>
</section>`,
    )
    .join('\n');
  const logo = input.branding.logoUrl
    ? `<img src="${escapeHtml(input.branding.logoUrl)}" alt="">`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.name)}</title>
${styles(input.branding, input.nonce)}
</head>
<body>
<header>${logo}<h1 id="dashboard-name">${escapeHtml(input.name)}</h1></header>
<div id="embed-notice" class="notice" role="alert" hidden></div>
<main id="embed-dashboard" class="grid" data-state="loading">
${sections}
</main>
<script type="application/json" id="embed-config">${scriptJson(config)}</script>
<script src="/embed/assets/${escapeHtml(input.script.fileName)}" integrity="${escapeHtml(input.script.integrity)}" crossorigin="anonymous" defer></script>
</body>
</html>
`;
}

/**
 * A refused embed link: one clear sentence and no script at all, so nothing is fetched. In the
 * platform's default colours: a refused token is not trusted to name a tenant.
 */
export function renderRefusalPage(input: {
  message: string;
  branding: Branding;
  nonce: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dashboard unavailable</title>
${styles(input.branding, input.nonce)}
</head>
<body>
<div id="embed-refusal" class="notice" role="alert">${escapeHtml(input.message)}</div>
</body>
</html>
`;
}
