import { useEffect, useRef, useState } from 'preact/hooks';
import type { WidgetData } from '../../../analytics/embed/client/widgets';
import { readTheme } from '../../../analytics/embed/client/embed-config';

/**
 * A chart drawn exactly as the embed page draws it (src/analytics/embed/client/widgets.ts, in
 * the tenant's colours from the --tenantry-* variables), with its numbers in a visually hidden
 * table. Chart.js is loaded with a dynamic import on the first chart, so the workspace's first
 * page load does not carry it.
 */
export function Chart({ title, data }: { title: string; data: WidgetData }) {
  const body = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  // Redrawn only when the numbers change, not on every render of the page around it (a
  // keystroke in a filter field must not rebuild the chart).
  const key = JSON.stringify(data);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    import('../../../analytics/embed/client/widgets').then(
      ({ renderWidget }) => {
        if (cancelled || !body.current) return;
        chart = renderWidget(body.current, title, data, readTheme());
      },
      (error: unknown) => setFailed(String(error)),
    );
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [title, key]);
  if (failed) return <p class="field-error">The chart could not be drawn: {failed}</p>;
  return <div class="chart" ref={body} aria-label={title} role="figure" />;
}
