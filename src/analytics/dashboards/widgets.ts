import type { FieldError } from '../../common/field-error';
import { INTERVALS, type Interval, MAX_BUCKETS } from '../query/buckets';
import { METRICS, type Metric } from '../stores/analytics-store';

/**
 * Dashboard widgets: what each kind shows, which options it takes, and the rules a stored
 * widget always satisfies. The DTOs (dto/widget.dto.ts) check each field's type and range; the
 * rules here check what depends on the kind or on the tenant's plan, naming each field.
 *
 * EXTENSION POINT: funnel and retention widgets (issue 5, built separately) join by adding the
 * kind to WIDGET_KINDS, their rule to WIDGET_RULES (metrics and options they take), their
 * options to WidgetOptions and the DTO, and their query to widget.runner.ts. Nothing else in
 * dashboards or the embed code names a kind.
 */
export const WIDGET_KINDS = ['kpi', 'timeseries', 'breakdown'] as const;
export type WidgetKind = (typeof WIDGET_KINDS)[number];

export const MAX_WIDGETS = 12;
export const MAX_RANGE_DAYS = 730;
export const MAX_BREAKDOWN_LIMIT = 20;
export const DIMENSION = /^(?:event_type|user_id|property\.[A-Za-z0-9_.:-]{1,128})$/;

export interface WidgetOptions {
  /** The last N days up to now (at most the plan's retention). */
  range_days: number;
  event_type?: string;
  /** timeseries */
  interval?: Interval;
  /** breakdown: event_type, user_id or property.<key> */
  dimension?: string;
  /** breakdown: top N values */
  limit?: number;
}

/** A widget as stored in dashboards.widgets, and as the API shows it. */
export interface Widget {
  id: string;
  kind: WidgetKind;
  title: string;
  metric: Metric;
  options: WidgetOptions;
}

type OptionName = keyof WidgetOptions;

interface WidgetRule {
  metrics: readonly Metric[];
  options: readonly OptionName[];
  /** Options filled in when the caller leaves them out. */
  defaults: Partial<WidgetOptions>;
}

export const WIDGET_RULES: Record<WidgetKind, WidgetRule> = {
  kpi: { metrics: METRICS, options: ['range_days', 'event_type'], defaults: {} },
  timeseries: {
    metrics: METRICS,
    options: ['range_days', 'event_type', 'interval'],
    defaults: { interval: 'day' },
  },
  // The stores break down event counts; distinct users per value is not a read they have.
  breakdown: {
    metrics: ['events'],
    options: ['range_days', 'event_type', 'dimension', 'limit'],
    defaults: { dimension: 'event_type', limit: 10 },
  },
};

const DEFAULT_RANGE_DAYS = 7;
const INTERVAL_MS: Record<Interval, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

/** What a caller sends for one widget (already type-checked by the DTO). */
export interface WidgetInput {
  id?: string;
  kind: WidgetKind;
  title?: string;
  metric?: Metric;
  options?: Partial<WidgetOptions>;
}

/**
 * Checks the kind-dependent rules and fills defaults. Ids: a widget keeps an id it already had on
 * this dashboard (`knownIds`), a new widget gets a fresh one; an id the dashboard never had, or
 * the same id twice, is refused, so ids stay stable and are only ever made here.
 */
export function normalizeWidgets(
  inputs: readonly WidgetInput[],
  context: { retentionDays: number; knownIds: ReadonlySet<string>; newId: () => string },
): { widgets: Widget[] } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const widgets = inputs.map((input, index): Widget => {
    const at = `widgets.${index}`;
    const rule = WIDGET_RULES[input.kind];
    const metric = input.metric ?? rule.metrics[0];
    if (!rule.metrics.includes(metric)) {
      errors.push({
        field: `${at}.metric`,
        message: `a ${input.kind} widget shows ${rule.metrics.join(', ')}`,
      });
    }
    const given = input.options ?? {};
    for (const name of Object.keys(given) as OptionName[]) {
      if (given[name] !== undefined && !rule.options.includes(name)) {
        errors.push({
          field: `${at}.options.${name}`,
          message: `${name} is not an option of a ${input.kind} widget (it takes ${rule.options.join(', ')})`,
        });
      }
    }
    const options: WidgetOptions = { range_days: DEFAULT_RANGE_DAYS, ...rule.defaults };
    for (const name of rule.options) {
      if (given[name] !== undefined) Object.assign(options, { [name]: given[name] });
    }
    if (options.range_days > context.retentionDays) {
      errors.push({
        field: `${at}.options.range_days`,
        message: `range_days is past this plan's ${context.retentionDays}-day retention`,
      });
    }
    if (input.kind === 'timeseries' && options.interval) {
      const buckets =
        Math.ceil((options.range_days * 86_400_000) / INTERVAL_MS[options.interval]) + 1;
      if (buckets > MAX_BUCKETS) {
        errors.push({
          field: `${at}.options.interval`,
          message: `at most ${MAX_BUCKETS} buckets: a ${options.interval} interval over ${options.range_days} days is too fine`,
        });
      }
    }
    let id = input.id?.toLowerCase();
    if (id !== undefined && !context.knownIds.has(id)) {
      errors.push({
        field: `${at}.id`,
        message: 'id must be the id of a widget of this dashboard; leave it out for a new widget',
      });
    }
    if (id !== undefined && seen.has(id)) {
      errors.push({ field: `${at}.id`, message: 'the same widget id appears twice' });
    }
    id ??= context.newId();
    seen.add(id);
    return {
      id,
      kind: input.kind,
      title: input.title?.trim() || defaultTitle(input.kind, metric, options),
      metric,
      options,
    };
  });
  return errors.length > 0 ? { errors } : { widgets };
}

function defaultTitle(kind: WidgetKind, metric: Metric, options: WidgetOptions): string {
  const name = metric[0].toUpperCase() + metric.slice(1);
  if (kind === 'timeseries') return `${name} per ${options.interval}`;
  if (kind === 'breakdown') return `Top ${options.dimension}`;
  return `${name}, last ${options.range_days} days`;
}

export { INTERVALS, METRICS };
