import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatBytes, formatCount, formatDateTime, formatDollars, formatNumber, localInputToIso } from '../format';
import { TableWrap } from '../ui';

/**
 * Query cost across tenants (GET /admin/cost-attribution): the costliest tenants first over a
 * period (default the last 30 days), at most `limit` of them.
 */
export function CostsPage() {
  const { api } = useConsole();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [limit, setLimit] = useState('50');
  const [applied, setApplied] = useState({ from: '', to: '', limit: '50' });
  const costs = useResource(
    () =>
      call(
        api.GET('/admin/cost-attribution', {
          params: {
            query: {
              ...(applied.from ? { from: localInputToIso(applied.from) } : {}),
              ...(applied.to ? { to: localInputToIso(applied.to) } : {}),
              limit: Number(applied.limit),
            },
          },
        }),
      ),
    [applied],
  );
  const total = (costs.data?.data ?? []).reduce((sum, line) => sum + line.estimated_cost, 0);
  return (
    <>
      <h1>Cost attribution</h1>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ from, to, limit });
        }}
      >
        <Field
          label="From (default 30 days ago)"
          name="from"
          type="datetime-local"
          value={from}
          problem={costs.problem}
          onInput={(event) => setFrom(event.currentTarget.value)}
        />
        <Field
          label="To (default now)"
          name="to"
          type="datetime-local"
          value={to}
          problem={costs.problem}
          onInput={(event) => setTo(event.currentTarget.value)}
        />
        <Field
          label="Tenants shown"
          name="limit"
          type="number"
          min={1}
          max={1000}
          value={limit}
          problem={costs.problem}
          onInput={(event) => setLimit(event.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      <ProblemBanner problem={costs.problem} />
      {costs.loading && <Loading />}
      {costs.data && (
        <p class="hint">
          {formatDateTime(costs.data.from)} to {formatDateTime(costs.data.to)}: estimated{' '}
          {formatDollars(total)} for the tenants listed.
        </p>
      )}
      {costs.data && costs.data.data.length === 0 && (
        <EmptyState>No queries in this period.</EmptyState>
      )}
      {costs.data && costs.data.data.length > 0 && (
        <TableWrap label="Cost per tenant">
          <table>
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col" class="number">
                  Queries
                </th>
                <th scope="col" class="number">
                  Query time
                </th>
                <th scope="col" class="number">
                  Rows read
                </th>
                <th scope="col" class="number">
                  Bytes read
                </th>
                <th scope="col" class="number">
                  Est. cost
                </th>
              </tr>
            </thead>
            <tbody>
              {costs.data.data.map((line) => (
                <tr key={line.tenant_id}>
                  <td>
                    <a href={`/console/tenants/${line.tenant_id}`}>{line.name}</a> ({line.slug})
                  </td>
                  <td class="number">{formatCount(line.queries)}</td>
                  <td class="number">{formatNumber(line.duration_ms / 1000)} s</td>
                  <td class="number">{formatCount(line.rows_read)}</td>
                  <td class="number">{formatBytes(line.bytes_read)}</td>
                  <td class="number">{formatDollars(line.estimated_cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
