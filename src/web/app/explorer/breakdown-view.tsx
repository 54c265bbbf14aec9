import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { Chart } from '../ui/chart';
import { useWorkspace } from '../workspace';
import { filterQuery, type Filters } from './filters';
import type { Range } from './range';
import { TableWrap } from '../ui/table-wrap';

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** GET /v1/analytics/breakdown: the top values of event_type, user_id or property.<key>. */
export function BreakdownView({ range, filters }: { range: Range; filters: Filters }) {
  const { api } = useWorkspace();
  const [dimension, setDimension] = useState('event_type');
  const [limit, setLimit] = useState(10);
  const [dimensionText, setDimensionText] = useState(dimension);
  const [limitText, setLimitText] = useState('10');
  const breakdown = useResource(
    () =>
      call(
        api.GET('/v1/analytics/breakdown', {
          params: { query: { ...filterQuery(range, filters), dimension, limit } },
        }),
      ),
    [range, filters, dimension, limit],
  );
  const data = breakdown.data;
  return (
    <>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setDimension(dimensionText.trim() || 'event_type');
          // The API bounds limit to 1-100 and names it when out of range.
          setLimit(Number(limitText));
        }}
      >
        <Field
          label="Dimension"
          name="dimension"
          hint="event_type, user_id or property.<key>"
          value={dimensionText}
          maxLength={140}
          problem={breakdown.problem}
          onInput={(event) => setDimensionText(event.currentTarget.value)}
        />
        <Field
          label="Top values"
          name="limit"
          type="number"
          min={1}
          max={100}
          value={limitText}
          problem={breakdown.problem}
          onInput={(event) => setLimitText(event.currentTarget.value)}
        />
        <button type="submit">Show</button>
      </form>
      <ProblemBanner problem={breakdown.problem} />
      {!data && !breakdown.problem && <Loading />}
      {data &&
        (data.rows.length === 0 ? (
          <EmptyState>No events in this period</EmptyState>
        ) : (
          <>
            <Chart
              title={`Events by ${data.dimension}`}
              data={{
                kind: 'breakdown',
                dimension: data.dimension,
                total_events: data.total_events,
                rows: data.rows,
              }}
            />
            <TableWrap label="Breakdown table">
              <table>
                <caption class="visually-hidden">Events by {data.dimension}</caption>
                <thead>
                  <tr>
                    <th scope="col">{data.dimension}</th>
                    <th scope="col">Events</th>
                    <th scope="col">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {data.rows.map((row) => (
                    <tr key={row.value}>
                      <td>{row.value}</td>
                      <td data-value={row.events}>{row.events}</td>
                      <td>{percent.format(row.share)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </>
        ))}
    </>
  );
}
