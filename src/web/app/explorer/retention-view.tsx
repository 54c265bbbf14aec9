import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { propertyQuery, type Filters } from './filters';
import { bucketCount, MAX_COHORTS, type Range } from './range';
import { TableWrap } from '../ui/table-wrap';

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

/**
 * GET /v1/analytics/retention as a cohort table, each cell tinted by its share in the tenant's
 * accent colour (set through the style object, which the CSP allows). Day buckets are offered
 * only when the range has at most 180 of them, as the API requires.
 */
export function RetentionView({ range, filters }: { range: Range; filters: Filters }) {
  const { api } = useWorkspace();
  const dayAllowed = bucketCount(range, 'day') <= MAX_COHORTS;
  const [interval, setInterval] = useState<'day' | 'week'>(dayAllowed ? 'day' : 'week');
  const [cohortEvent, setCohortEvent] = useState('');
  const [returnEvent, setReturnEvent] = useState('');
  const [periods, setPeriods] = useState('');
  const [result, setResult] = useState<Schemas['RetentionResponse'] | undefined>(undefined);
  const retention = useAction(async () => {
    setResult(
      await call(
        api.GET('/v1/analytics/retention', {
          params: {
            query: {
              from: range.from,
              to: range.to,
              interval: interval === 'day' && !dayAllowed ? 'week' : interval,
              ...(cohortEvent.trim() ? { cohort_event: cohortEvent.trim() } : {}),
              ...(returnEvent.trim() ? { return_event: returnEvent.trim() } : {}),
              ...(periods.trim() ? { periods: Number(periods) } : {}),
              ...propertyQuery(filters.properties),
            },
          },
        }),
      ),
    );
  });
  const observed = result?.cohorts.filter((cohort) => cohort.size > 0) ?? [];
  return (
    <>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void retention.run();
        }}
      >
        <SelectField
          label="Cohorts by"
          name="interval"
          options={[
            ...(dayAllowed ? [{ value: 'day', label: 'Day' }] : []),
            { value: 'week', label: 'Week' },
          ]}
          value={dayAllowed ? interval : 'week'}
          problem={retention.problem}
          onChange={(value) => setInterval(value as 'day' | 'week')}
        />
        <Field
          label="Cohort event"
          name="cohort_event"
          hint="Empty: any event"
          maxLength={128}
          value={cohortEvent}
          problem={retention.problem}
          onInput={(event) => setCohortEvent(event.currentTarget.value)}
        />
        <Field
          label="Return event"
          name="return_event"
          hint="Empty: any event"
          maxLength={128}
          value={returnEvent}
          problem={retention.problem}
          onInput={(event) => setReturnEvent(event.currentTarget.value)}
        />
        <Field
          label="Periods"
          name="periods"
          type="number"
          min={0}
          max={179}
          hint="0-179; empty: to the end of the range"
          value={periods}
          problem={retention.problem}
          onInput={(event) => setPeriods(event.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={retention.busy}>
          Show retention
        </button>
      </form>
      <ProblemBanner problem={retention.problem} />
      {retention.busy && <Loading />}
      {result &&
        !retention.problem &&
        (observed.length === 0 ? (
          <EmptyState>No events in this period</EmptyState>
        ) : (
          <TableWrap label="Retention table">
            <table class="retention">
              <caption class="visually-hidden">Retention by {result.interval} cohort</caption>
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col">Users</th>
                  {Array.from({ length: result.periods + 1 }, (_, n) => (
                    <th scope="col" key={n}>
                      {result.interval === 'day' ? 'Day' : 'Week'} {n}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {observed.map((cohort) => (
                  <tr key={cohort.start}>
                    <th scope="row">{new Date(cohort.start).toLocaleDateString()}</th>
                    <td data-value={cohort.size}>{cohort.size}</td>
                    {cohort.retained.map((count, n) => (
                      <td
                        key={n}
                        class="cell"
                        data-value={count ?? ''}
                        style={
                          count === null
                            ? undefined
                            : { backgroundColor: tint(count / cohort.size) }
                        }
                      >
                        {count === null ? '–' : `${percent.format(count / cohort.size)} (${count})`}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
    </>
  );
}

/** A light tint of the accent: deep enough to read as a heat map, light enough for the text. */
function tint(share: number): string {
  return `color-mix(in srgb, var(--tenantry-accent, #f59e0b) ${Math.round(share * 45)}%, white)`;
}
