import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatCents, formatCount } from '../format';
import {
  emptyFigures,
  figureValue,
  PLAN_FIGURES,
  PlanFigureFields,
  type PlanFigureValues,
} from '../plan-figures';
import { Card, CheckboxField, TableWrap } from '../ui';

type Tenant = Schemas['TenantDetailResponse'];
type Overrides = Schemas['SetPlanOverridesDto'];

function valuesOf(overrides: Overrides | null): PlanFigureValues {
  const figures = emptyFigures();
  for (const { name } of PLAN_FIGURES) {
    const value = overrides?.[name];
    if (typeof value === 'number') figures[name] = String(value);
  }
  return {
    figures,
    over_quota: overrides?.over_quota ?? '',
    features: (overrides?.features ?? []),
  };
}

/**
 * The tenant's effective terms, and its overrides of the plan (PUT /admin/tenants/{id}/overrides
 * replaces them all; an empty form clears them). Effective at once; the API audits it.
 */
export function OverridesCard({ tenant, onSaved }: { tenant: Tenant; onSaved: (t: Tenant) => void }) {
  const { api } = useConsole();
  const [values, setValues] = useState(() => valuesOf(tenant.plan_overrides));
  const [overrideFeatures, setOverrideFeatures] = useState(
    () => tenant.plan_overrides?.features !== undefined,
  );
  const [saved, setSaved] = useState(false);
  const save = useAction(() => {
    const body: Record<string, unknown> = {};
    for (const { name } of PLAN_FIGURES) {
      if (values.figures[name].trim() !== '') body[name] = figureValue(values.figures[name]);
    }
    if (values.over_quota) body.over_quota = values.over_quota;
    if (overrideFeatures) body.features = values.features;
    return call(
      api.PUT('/admin/tenants/{id}/overrides', {
        params: { path: { id: tenant.id } },
        body: body,
      }),
    );
  });
  const terms = tenant.terms;

  return (
    <Card id="plan" title="Plan and overrides">
      {terms && (
        <TableWrap label="Effective terms">
          <table>
            <caption class="visually-hidden">Effective terms</caption>
            <tbody>
              <tr>
                <th scope="row">Plan</th>
                <td>
                  {terms.code} v{terms.version}
                </td>
              </tr>
              <tr>
                <th scope="row">Price per month</th>
                <td>{formatCents(terms.price_cents_per_month)}</td>
              </tr>
              <tr>
                <th scope="row">Events per month</th>
                <td>
                  {formatCount(terms.events_per_month)} ({terms.over_quota} past it)
                </td>
              </tr>
              <tr>
                <th scope="row">API requests per minute</th>
                <td>{formatCount(terms.api_requests_per_minute)}</td>
              </tr>
              <tr>
                <th scope="row">Users / event sources</th>
                <td>
                  {terms.users ?? 'unlimited'} / {terms.event_sources ?? 'unlimited'}
                </td>
              </tr>
              <tr>
                <th scope="row">Storage, retention</th>
                <td>
                  {terms.storage_gb} GB, {terms.data_retention_days} days
                </td>
              </tr>
              <tr>
                <th scope="row">Features</th>
                <td>{terms.features.length ? terms.features.join(', ') : 'none'}</td>
              </tr>
            </tbody>
          </table>
        </TableWrap>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void save.run().then((answer) => {
            if (!answer) return;
            setSaved(true);
            onSaved(answer);
          });
        }}
      >
        <h3>Overrides</h3>
        <p class="hint">An empty field keeps the plan's figure.</p>
        <ProblemBanner problem={save.problem} />
        <PlanFigureFields
          values={values}
          problem={save.problem}
          idPrefix="override-"
          optional
          onChange={setValues}
        />
        <CheckboxField
          label="Override the plan's features with the ones ticked above"
          name="override-features"
          checked={overrideFeatures}
          onChange={setOverrideFeatures}
        />
        <div class="actions">
          {saved && (
            <span role="status" class="hint">
              Overrides saved.
            </span>
          )}
          <button
            type="button"
            onClick={() => {
              setValues(valuesOf(null));
              setOverrideFeatures(false);
            }}
          >
            Clear form
          </button>
          <button type="submit" class="primary" disabled={save.busy}>
            Save overrides
          </button>
        </div>
      </form>
    </Card>
  );
}
