import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatCents, formatCount, formatDate } from '../format';
import { optionsOf, TIERS, type Tier } from '../options';
import {
  emptyFigures,
  figureValue,
  PLAN_FIGURES,
  PlanFigureFields,
  type PlanFigureValues,
} from '../plan-figures';
import { CheckboxField, TableWrap } from '../ui';

type Plan = Schemas['PlanResponse'];

function valuesOf(plan: Plan | undefined): PlanFigureValues {
  const figures = emptyFigures();
  if (plan) {
    for (const { name } of PLAN_FIGURES) {
      const value = plan[name];
      figures[name] = value === null ? '' : String(value);
    }
  }
  return {
    figures,
    over_quota: plan?.over_quota ?? 'refuse',
    features: (plan?.features ?? []),
  };
}

/**
 * The plans (GET /admin/plans): the current version of each, or every version, and a form that
 * publishes a new version of a plan (POST /admin/plans); tenants on the plan move to it at
 * their next period, as the API decides.
 */
export function PlansPage() {
  const { api } = useConsole();
  const [all, setAll] = useState(false);
  const plans = useResource(
    () => call(api.GET('/admin/plans', { params: { query: { all: all ? 'true' : 'false' } } })),
    [all],
  );
  const [code, setCode] = useState<Tier>('starter');
  const [values, setValues] = useState<PlanFigureValues>(valuesOf(undefined));
  const [published, setPublished] = useState<Plan>();
  const current = (tier: Tier) =>
    plans.data?.find((plan) => plan.code === tier && plan.current) ??
    plans.data?.find((plan) => plan.code === tier);
  const publish = useAction(() => {
    const body: Record<string, unknown> = { code, over_quota: values.over_quota, features: values.features };
    for (const { name } of PLAN_FIGURES) {
      const text = values.figures[name].trim();
      body[name] = text === '' && (name === 'users' || name === 'event_sources') ? null : figureValue(text);
    }
    return call(api.POST('/admin/plans', { body: body as Schemas['CreatePlanDto'] }));
  });

  return (
    <>
      <h1>Plans</h1>
      <CheckboxField label="Show every version" name="all-versions" checked={all} onChange={setAll} />
      <ProblemBanner problem={plans.problem} />
      {plans.loading && <Loading />}
      {plans.data && plans.data.length === 0 && <EmptyState>No plans.</EmptyState>}
      {plans.data && plans.data.length > 0 && (
        <TableWrap label="Plans">
          <table>
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Version</th>
                <th scope="col" class="number">
                  Price / month
                </th>
                <th scope="col" class="number">
                  Events / month
                </th>
                <th scope="col">Past quota</th>
                <th scope="col">Users</th>
                <th scope="col">Retention</th>
                <th scope="col">Features</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {plans.data.map((plan) => (
                <tr key={plan.id}>
                  <td>{plan.code}</td>
                  <td>
                    v{plan.version}
                    {plan.current ? ' (current)' : ''}
                  </td>
                  <td class="number">{formatCents(plan.price_cents_per_month)}</td>
                  <td class="number">{formatCount(plan.events_per_month)}</td>
                  <td>{plan.over_quota}</td>
                  <td>{plan.users ?? 'unlimited'}</td>
                  <td>{plan.data_retention_days} days</td>
                  <td>{plan.features.join(', ') || 'none'}</td>
                  <td>{formatDate(plan.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <form
        class="card"
        aria-labelledby="publish-title"
        onSubmit={(event) => {
          event.preventDefault();
          setPublished(undefined);
          void publish.run().then((answer) => {
            if (!answer) return;
            setPublished(answer);
            plans.reload();
          });
        }}
      >
        <h2 id="publish-title">Publish a new version</h2>
        <SelectField
          label="Plan"
          name="code"
          options={optionsOf(TIERS)}
          value={code}
          problem={publish.problem}
          onChange={(value) => setCode(value as Tier)}
        />
        <div class="actions">
          <button type="button" onClick={() => setValues(valuesOf(current(code)))}>
            Start from the current {code} version
          </button>
        </div>
        <ProblemBanner problem={publish.problem} />
        <PlanFigureFields
          values={values}
          problem={publish.problem}
          idPrefix="plan-"
          optional={false}
          onChange={setValues}
        />
        <div class="actions">
          {published && (
            <span role="status" class="hint">
              Published {published.code} v{published.version}.
            </span>
          )}
          <button type="submit" class="primary" disabled={publish.busy}>
            Publish version
          </button>
        </div>
      </form>
    </>
  );
}
