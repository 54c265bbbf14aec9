import { escapeHtml } from '../common/escape-html';
import type { WebApp, WebAppManifest } from './web-bundle';

const TITLES: Record<WebApp, string> = {
  console: 'Tenantry operator console',
  app: 'Analytics workspace',
};

/**
 * The one HTML page of a console: it loads the hashed stylesheet and entry script (with SRI)
 * and preloads the chunks the entry imports. No inline script or style, so the page's CSP can
 * forbid both.
 */
export function renderConsolePage(app: WebApp, manifest: WebAppManifest): string {
  const asset = (name: string) => escapeHtml(`/${app}/assets/${name}`);
  const preloads = manifest.initial
    .filter((name) => name.endsWith('.js') && name !== manifest.script)
    .map((name) => `<link rel="modulepreload" href="${asset(name)}">`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(TITLES[app])}</title>`,
    ...manifest.styles.map((name) => `<link rel="stylesheet" href="${asset(name)}">`),
    ...preloads,
    `<script type="module" src="${asset(manifest.script)}" integrity="${escapeHtml(manifest.integrity)}"></script>`,
    '</head>',
    '<body>',
    '<div id="root"></div>',
    '<noscript>This console needs JavaScript.</noscript>',
    '</body>',
    '</html>',
  ].join('\n');
}
