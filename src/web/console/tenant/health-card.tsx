import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { daysAgo, formatCount, formatDollars, formatNumber } from '../format';
import { Card, Stat, TableWrap } from '../ui';

/**
 * The tenant's health: its row counts (GET /admin/tenants/{id}/statistics) and its query load
 * and estimated cost over 30 days (GET /admin/cost-attribution, this tenant's line).
 */
export function HealthCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const statistics = useResource(
    () => call(api.GET('/admin/tenants/{id}/statistics', { params: { path: { id: tenantId } } })),
    [tenantId],
  );
  const costs = useResource(
    () =>
      call(api.GET('/admin/cost-attribution', { params: { query: { from: daysAgo(30), limit: 1000 } } })),
    [tenantId],
  );
  const cost = costs.data?.data.find((line) => line.tenant_id === tenantId);
  const rows = Object.entries(statistics.data?.rows ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <Card id="health" title="Health">
        <ProblemBanner problem={statistics.problem} />
        {statistics.loading && <Loading />}
        {statistics.data && (
          <>
            <p class="hint">{statistics.data.age_days} days old.</p>
            {rows.length === 0 ? (
              <EmptyState>No rows in any table yet.</EmptyState>
            ) : (
              <TableWrap label="Rows per table">
                <table>
                  <caption class="visually-hidden">Rows per table</caption>
                  <thead>
                    <tr>
                      <th scope="col">Table</th>
                      <th scope="col" class="number">
                        Rows
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(([table, count]) => (
                      <tr key={table}>
                        <td>{table}</td>
                        <td class="number">{formatCount(count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </>
        )}
      </Card>
      <Card id="cost" title="Cost attribution (30 days)">
        <ProblemBanner problem={costs.problem} />
        {costs.loading && <Loading />}
        {costs.data && !cost && <EmptyState>No queries in the last 30 days.</EmptyState>}
        {cost && (
          <div class="stats">
            <Stat label="Queries" value={formatCount(cost.queries)} />
            <Stat label="Query time" value={`${formatNumber(cost.duration_ms / 1000)} s`} />
            <Stat label="Rows read" value={formatCount(cost.rows_read)} />
            <Stat label="Estimated cost" value={formatDollars(cost.estimated_cost)} />
          </div>
        )}
      </Card>
    </>
  );
}
