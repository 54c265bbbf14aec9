import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { Loading } from '../../shared/ui/loading';
import { useAction } from '../../shared/use-resource';
import { Chart } from '../ui/chart';
import { useWorkspace } from '../workspace';
import { propertyQuery, type Filters } from './filters';
import type { Range } from './range';
import { TableWrap } from '../ui/table-wrap';

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const MAX_STEPS = 8;

/**
 * POST /v1/analytics/funnel: 2-8 event types in order and a window (1 second to 30 days), over
 * the range and property filters in the query string, as the API takes them.
 */
export function FunnelView({ range, filters }: { range: Range; filters: Filters }) {
  const { api } = useWorkspace();
  const [steps, setSteps] = useState<string[]>(['', '']);
  const [windowHours, setWindowHours] = useState('24');
  const [result, setResult] = useState<Schemas['FunnelResponse'] | undefined>(undefined);
  const funnel = useAction(async () => {
    const answer = await call(
      api.POST('/v1/analytics/funnel', {
        params: { query: { from: range.from, to: range.to, ...propertyQuery(filters.properties) } },
        body: {
          steps: steps.map((step) => step.trim()).filter(Boolean),
          window_seconds: Math.round(Number(windowHours) * 3600),
        },
      }),
    );
    setResult(answer);
  });
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void funnel.run();
        }}
      >
        <fieldset class="widget-row">
          <legend>Steps, in order</legend>
          {steps.map((step, index) => (
            <div class="inline-form" key={index}>
              <Field
                label={`Step ${index + 1} event type`}
                name={`steps.${index}`}
                value={step}
                maxLength={128}
                problem={funnel.problem}
                onInput={(event) => {
                  const next = [...steps];
                  next[index] = event.currentTarget.value;
                  setSteps(next);
                }}
              />
              {steps.length > 2 && (
                <button type="button" onClick={() => setSteps(steps.filter((_, i) => i !== index))}>
                  Remove step {index + 1}
                </button>
              )}
            </div>
          ))}
          {steps.length < MAX_STEPS && (
            <button type="button" onClick={() => setSteps([...steps, ''])}>
              Add a step
            </button>
          )}
        </fieldset>
        <Field
          label="Window (hours)"
          name="window_seconds"
          type="number"
          min={0.001}
          max={720}
          step="any"
          hint="Every step within this long of the first; at most 720 hours (30 days)"
          value={windowHours}
          problem={funnel.problem}
          onInput={(event) => setWindowHours(event.currentTarget.value)}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={funnel.busy}>
            {funnel.busy ? 'Counting…' : 'Show funnel'}
          </button>
        </div>
      </form>
      <ProblemBanner problem={funnel.problem} />
      {funnel.busy && <Loading />}
      {result &&
        !funnel.problem &&
        (result.steps[0]?.users ? (
          <>
            <Chart
              title="Users per step"
              data={{
                kind: 'breakdown',
                dimension: 'step',
                total_events: result.steps[0].users,
                rows: result.steps.map((step) => ({
                  value: step.event_type,
                  events: step.users,
                  share: step.conversion_from_first,
                })),
              }}
            />
            <TableWrap label="Funnel table">
              <table>
                <caption class="visually-hidden">Funnel steps</caption>
                <thead>
                  <tr>
                    <th scope="col">Step</th>
                    <th scope="col">Users</th>
                    <th scope="col">From first</th>
                    <th scope="col">From previous</th>
                  </tr>
                </thead>
                <tbody>
                  {result.steps.map((step) => (
                    <tr key={step.event_type}>
                      <td>{step.event_type}</td>
                      <td data-value={step.users}>{step.users}</td>
                      <td>{percent.format(step.conversion_from_first)}</td>
                      <td>{percent.format(step.conversion_from_previous)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </>
        ) : (
          <EmptyState>No users reached the first step in this period</EmptyState>
        ))}
    </>
  );
}
