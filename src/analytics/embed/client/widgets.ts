import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Theme } from './embed-config';

// Only the parts these charts use, so the bundle carries no more of Chart.js than it needs.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

interface KpiData {
  kind: 'kpi';
  metric: string;
  value: number;
  previous: number;
}
interface TimeseriesData {
  kind: 'timeseries';
  interval: string;
  timezone: string;
  buckets: { start: string; value: number }[];
}
interface BreakdownData {
  kind: 'breakdown';
  dimension: string;
  total_events: number;
  rows: { value: string; events: number; share: number }[];
}
export type WidgetData = KpiData | TimeseriesData | BreakdownData;

const number = new Intl.NumberFormat();

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Every chart also gets its numbers as a table (visually hidden, read by screen readers and by
 * the browser test): what the chart draws is exactly what the table says.
 */
function dataTable(caption: string, header: [string, string], rows: [string, number][]) {
  const table = element('table', 'chart-data');
  table.append(element('caption', undefined, caption));
  const head = table.createTHead().insertRow();
  for (const text of header) head.append(element('th', undefined, text));
  const body = table.createTBody();
  for (const [label, value] of rows) {
    const row = body.insertRow();
    row.append(element('td', 'label', label));
    const cell = element('td', 'value', number.format(value));
    cell.dataset.value = String(value);
    row.append(cell);
  }
  return table;
}

function canvasIn(body: HTMLElement): HTMLCanvasElement {
  const box = element('div', 'chart-box');
  const canvas = element('canvas');
  box.append(canvas);
  body.append(box);
  return canvas;
}

function bucketLabel(start: string, interval: string, timezone: string): string {
  const options: Intl.DateTimeFormatOptions =
    interval === 'minute' || interval === 'hour'
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: timezone }
      : { month: 'short', day: 'numeric', timeZone: timezone };
  return new Intl.DateTimeFormat(undefined, options).format(new Date(start));
}

/** Draws one widget's numbers into its body; returns the chart, if it drew one. */
export function renderWidget(
  body: HTMLElement,
  title: string,
  data: WidgetData,
  theme: Theme,
): Chart | null {
  body.replaceChildren();
  const axis = {
    ticks: { color: theme.text },
    grid: { color: `${theme.text}1f` },
    border: { color: `${theme.text}40` },
  };
  switch (data.kind) {
    case 'kpi': {
      const value = element('div', 'kpi-value', number.format(data.value));
      value.dataset.value = String(data.value);
      const change =
        data.previous === 0
          ? null
          : Math.round(((data.value - data.previous) / data.previous) * 100);
      const previous = element(
        'div',
        'kpi-previous',
        `previous period: ${number.format(data.previous)}${change === null ? '' : ` (${change >= 0 ? '+' : ''}${change}%)`}`,
      );
      previous.dataset.value = String(data.previous);
      body.append(value, previous);
      return null;
    }
    case 'timeseries': {
      const labels = data.buckets.map((b) => bucketLabel(b.start, data.interval, data.timezone));
      const chart = new Chart(canvasIn(body), {
        type: 'line',
        data: {
          labels,
          datasets: [
            {
              label: title,
              data: data.buckets.map((b) => b.value),
              borderColor: theme.primary,
              backgroundColor: `${theme.accent}55`,
              pointBackgroundColor: theme.primary,
              borderWidth: 3,
              fill: true,
              tension: 0.25,
            },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { tooltip: { enabled: true } },
          scales: {
            x: axis,
            y: { ...axis, beginAtZero: true, ticks: { ...axis.ticks, precision: 0 } },
          },
        },
      });
      body.append(
        dataTable(
          title,
          ['start', 'value'],
          data.buckets.map((b) => [b.start, b.value]),
        ),
      );
      return chart;
    }
    case 'breakdown': {
      const chart = new Chart(canvasIn(body), {
        type: 'bar',
        data: {
          labels: data.rows.map((row) => row.value),
          datasets: [
            {
              label: title,
              data: data.rows.map((row) => row.events),
              backgroundColor: theme.primary,
              borderColor: theme.primary,
              hoverBackgroundColor: theme.accent,
            },
          ],
        },
        options: {
          animation: false,
          indexAxis: 'y',
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: { ...axis, beginAtZero: true, ticks: { ...axis.ticks, precision: 0 } },
            y: axis,
          },
        },
      });
      body.append(
        dataTable(
          title,
          [data.dimension, 'events'],
          data.rows.map((row) => [row.value, row.events]),
        ),
      );
      return chart;
    }
  }
}
