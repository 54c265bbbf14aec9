import type { Schemas } from '../../../api-client';
import type { ApiProblem } from '../../shared/api';
import { Field, SelectField } from '../../shared/ui/field';

export type WidgetDraft = Schemas['WidgetDto'];
export const MAX_WIDGETS = 12;

const KINDS = [
  { value: 'kpi', label: 'Figure (KPI)' },
  { value: 'timeseries', label: 'Over time' },
  { value: 'breakdown', label: 'Breakdown' },
] as const;
const METRICS = [
  { value: 'events', label: 'Events' },
  { value: 'users', label: 'Unique users' },
  { value: 'sessions', label: 'Sessions' },
] as const;
const INTERVALS = ['minute', 'hour', 'day', 'week'].map((value) => ({ value, label: value }));

export function newWidget(kind: WidgetDraft['kind']): WidgetDraft {
  return { kind, title: '', metric: 'events', options: { range_days: 7 } };
}

/**
 * One widget of the dashboard being edited: its kind, title, metric and options (the fields
 * PATCH /v1/dashboards/{id} takes), with move up / down / remove. Field names are the API's
 * (`widgets.2.options.range_days`), so its refusal lands under the right input.
 */
export function WidgetEditor({
  widget,
  index,
  count,
  problem,
  readOnly,
  onChange,
  onMove,
  onRemove,
}: {
  widget: WidgetDraft;
  index: number;
  count: number;
  problem?: ApiProblem;
  readOnly: boolean;
  onChange: (widget: WidgetDraft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  // The API names a widget's fields as widgets.<index>.<field> (class-validator's path).
  const prefix = `widgets.${index}`;
  const options = widget.options ?? { range_days: 7 };
  const setOption = (patch: Partial<NonNullable<WidgetDraft['options']>>) =>
    onChange({ ...widget, options: { ...options, ...patch } });
  const label = widget.title || `Widget ${index + 1}`;
  return (
    <fieldset class="widget-row" disabled={readOnly} data-testid="widget">
      <legend>
        {index + 1}. {label}
      </legend>
      <div class="toolbar">
        <SelectField
          label="Kind"
          name={`${prefix}.kind`}
          options={KINDS}
          value={widget.kind}
          problem={problem}
          onChange={(value) => onChange({ ...widget, kind: value as WidgetDraft['kind'] })}
        />
        <Field
          label="Title"
          name={`${prefix}.title`}
          maxLength={100}
          value={widget.title ?? ''}
          problem={problem}
          onInput={(event) => onChange({ ...widget, title: event.currentTarget.value })}
        />
        {widget.kind !== 'breakdown' && (
          <SelectField
            label="Metric"
            name={`${prefix}.metric`}
            options={METRICS}
            value={widget.metric ?? 'events'}
            problem={problem}
            onChange={(value) => onChange({ ...widget, metric: value as WidgetDraft['metric'] })}
          />
        )}
        <Field
          label="Days"
          name={`${prefix}.options.range_days`}
          type="number"
          min={1}
          max={730}
          value={options.range_days}
          problem={problem}
          onInput={(event) => setOption({ range_days: Number(event.currentTarget.value) })}
        />
        <Field
          label="Event type"
          name={`${prefix}.options.event_type`}
          hint="Empty: every event"
          maxLength={128}
          value={options.event_type ?? ''}
          problem={problem}
          onInput={(event) => setOption({ event_type: event.currentTarget.value || undefined })}
        />
        {widget.kind === 'timeseries' && (
          <SelectField
            label="Interval"
            name={`${prefix}.options.interval`}
            options={INTERVALS}
            value={options.interval ?? 'day'}
            problem={problem}
            onChange={(value) => setOption({ interval: value as 'day' })}
          />
        )}
        {widget.kind === 'breakdown' && (
          <>
            <Field
              label="Dimension"
              name={`${prefix}.options.dimension`}
              hint="event_type, user_id or property.<key>"
              maxLength={140}
              value={options.dimension ?? 'event_type'}
              problem={problem}
              onInput={(event) => setOption({ dimension: event.currentTarget.value || undefined })}
            />
            <Field
              label="Top values"
              name={`${prefix}.options.limit`}
              type="number"
              min={1}
              max={20}
              value={options.limit ?? 10}
              problem={problem}
              onInput={(event) => setOption({ limit: Number(event.currentTarget.value) })}
            />
          </>
        )}
      </div>
      {!readOnly && (
        <div class="inline-form">
          <button type="button" disabled={index === 0} onClick={() => onMove(-1)}>
            Move up<span class="visually-hidden"> {label}</span>
          </button>
          <button type="button" disabled={index === count - 1} onClick={() => onMove(1)}>
            Move down<span class="visually-hidden"> {label}</span>
          </button>
          <button type="button" class="danger" onClick={onRemove}>
            Remove<span class="visually-hidden"> {label}</span>
          </button>
        </div>
      )}
    </fieldset>
  );
}
