import { readConfig, readTheme } from './embed-config';
import { renderWidget, type WidgetData } from './widgets';

/**
 * The embedded dashboard's script (bundled with Chart.js into one file by
 * scripts/build-embed.ts, served from /embed/assets/). For each widget on the page it asks the
 * embed data route for that widget's numbers with the guest token as a Bearer credential, and
 * draws them in the tenant's colours. When the token runs out, or the server refuses it, the
 * page says so instead of showing stale or blank charts.
 */
const config = readConfig();
const theme = readTheme();
const dashboard = document.getElementById('embed-dashboard') as HTMLElement;
let stopped = false;

function showNotice(message: string): void {
  stopped = true;
  const notice = document.getElementById('embed-notice') as HTMLElement;
  notice.textContent = message;
  notice.hidden = false;
  dashboard.dataset.state = 'refused';
}

const EXPIRED =
  'This dashboard link has expired. Reload the page in the application that shows it to get a new one.';

async function loadWidget(widget: (typeof config.widgets)[number]): Promise<void> {
  const section = dashboard.querySelector<HTMLElement>(`[data-widget-id="${widget.id}"]`);
  const body = section?.querySelector<HTMLElement>('.widget-body');
  if (!section || !body) return;
  try {
    const response = await fetch(widget.dataUrl, {
      headers: { Authorization: `Bearer ${config.token}`, Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (stopped) return;
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { message?: string };
      if (response.status === 401 || response.status === 403) {
        showNotice(problem.message ?? EXPIRED);
      }
      section.dataset.state = 'error';
      body.textContent = problem.message ?? 'This widget could not be loaded.';
      return;
    }
    renderWidget(body, widget.title, (await response.json()) as WidgetData, theme);
    section.dataset.state = 'ready';
  } catch {
    section.dataset.state = 'error';
    body.textContent = 'This widget could not be loaded.';
  }
}

async function main(): Promise<void> {
  const remaining = config.expiresAt - Date.now();
  if (remaining <= 0) {
    showNotice(EXPIRED);
    return;
  }
  // The token dies while the page is open: say so, and ask for nothing more with it.
  setTimeout(() => showNotice(EXPIRED), Math.min(remaining, 2_147_483_647));
  await Promise.all(config.widgets.map(loadWidget));
  if (!stopped) dashboard.dataset.state = 'ready';
}

void main();
