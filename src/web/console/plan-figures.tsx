import type { ApiProblem } from '../shared/api';
import { Field, SelectField } from '../shared/ui/field';
import { FEATURES } from './options';
import { CheckboxField } from './ui';

/** The figures a plan (and a tenant's overrides of it) sets, as the API names them. */
export const PLAN_FIGURES = [
  { name: 'price_cents_per_month', label: 'Price per month (cents)' },
  { name: 'events_per_month', label: 'Events per month' },
  { name: 'overage_cents_per_1000_events', label: 'Overage per 1,000 events (cents)' },
  { name: 'api_requests_per_minute', label: 'API requests per minute' },
  { name: 'storage_gb', label: 'Storage (GB)' },
  { name: 'users', label: 'Users (empty: unlimited)' },
  { name: 'event_sources', label: 'Event sources (empty: unlimited)' },
  { name: 'data_retention_days', label: 'Data retention (days)' },
] as const;

export type PlanFigure = (typeof PLAN_FIGURES)[number]['name'];
export type Feature = (typeof FEATURES)[number];

export interface PlanFigureValues {
  figures: Record<PlanFigure, string>;
  over_quota: '' | 'refuse' | 'overage';
  features: Feature[];
}

/**
 * A figure typed in the form as a number. An empty or unreadable one becomes NaN, which goes out
 * as null, so the API refuses it naming the field (never a silent 0).
 */
export function figureValue(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

/** The plan figure fields, the over-quota policy and the features, for both forms. */
export function PlanFigureFields({
  values,
  problem,
  idPrefix,
  optional,
  onChange,
}: {
  values: PlanFigureValues;
  problem?: ApiProblem;
  idPrefix: string;
  /** Overrides: an empty field keeps the plan's figure. */
  optional: boolean;
  onChange: (values: PlanFigureValues) => void;
}) {
  const scoped = (name: string) => `${idPrefix}${name}`;
  // The API names fields without our prefix: map its problems onto our ids.
  const scopedProblem = problem && {
    ...problem,
    fields: Object.fromEntries(
      Object.entries(problem.fields).map(([field, message]) => [scoped(field), message]),
    ),
  };
  return (
    <>
      <div class="form-grid">
        {PLAN_FIGURES.map((figure) => (
          <Field
            key={figure.name}
            label={figure.label}
            name={scoped(figure.name)}
            type="number"
            min={0}
            step={1}
            placeholder={optional ? 'Plan figure' : undefined}
            value={values.figures[figure.name]}
            problem={scopedProblem as ApiProblem | undefined}
            onInput={(event) =>
              onChange({
                ...values,
                figures: { ...values.figures, [figure.name]: event.currentTarget.value },
              })
            }
          />
        ))}
        <SelectField
          label="Past the event quota"
          name={scoped('over_quota')}
          options={[
            ...(optional ? [{ value: '', label: 'As the plan' }] : []),
            { value: 'refuse', label: 'Refuse events' },
            { value: 'overage', label: 'Accept and bill overage' },
          ]}
          value={values.over_quota}
          problem={scopedProblem as ApiProblem | undefined}
          onChange={(value) =>
            onChange({ ...values, over_quota: value as PlanFigureValues['over_quota'] })
          }
        />
      </div>
      <fieldset>
        <legend>Features</legend>
        {FEATURES.map((feature) => (
          <CheckboxField
            key={feature}
            label={feature.replace(/_/g, ' ')}
            name={scoped(`feature-${feature}`)}
            checked={values.features.includes(feature)}
            onChange={(checked) =>
              onChange({
                ...values,
                features: checked
                  ? [...values.features, feature]
                  : values.features.filter((value) => value !== feature),
              })
            }
          />
        ))}
        {problem?.fields.features && <p class="field-error">{problem.fields.features}</p>}
      </fieldset>
    </>
  );
}

export function emptyFigures(): Record<PlanFigure, string> {
  return Object.fromEntries(PLAN_FIGURES.map((figure) => [figure.name, ''])) as Record<
    PlanFigure,
    string
  >;
}
