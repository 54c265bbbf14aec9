import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatCents, formatCount, formatDate } from '../format';
import { Card, TableWrap } from '../ui';
import { asTenant } from './tenant-header';

const PAGE_SIZE = 10;

/** The tenant's invoices, newest first, paged (GET /v1/invoices, acting as the tenant). */
export function InvoicesCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const [page, setPage] = useState(1);
  const invoices = useResource(
    () =>
      call(
        api.GET('/v1/invoices', {
          params: { ...asTenant(tenantId), query: { page, limit: PAGE_SIZE } },
        }),
      ),
    [tenantId, page],
  );
  return (
    <Card id="invoices" title="Invoices">
      <ProblemBanner problem={invoices.problem} />
      {invoices.loading && <Loading />}
      {invoices.data && invoices.data.data.length === 0 && (
        <EmptyState>No invoices yet: the first is issued after the first month closes.</EmptyState>
      )}
      {invoices.data && invoices.data.data.length > 0 && (
        <>
          <TableWrap label="Invoices">
            <table>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Period</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="number">
                    Events used
                  </th>
                  <th scope="col" class="number">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {invoices.data.data.map((invoice) => (
                  <tr key={invoice.id ?? invoice.period_start}>
                    <td>{invoice.number ?? 'draft'}</td>
                    <td>
                      {formatDate(invoice.period_start)} – {formatDate(invoice.period_end)}
                    </td>
                    <td>{invoice.status}</td>
                    <td class="number">{formatCount(invoice.events_used)}</td>
                    <td class="number">{formatCents(invoice.total_cents, invoice.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager page={page} limit={PAGE_SIZE} total={invoices.data.total} onPage={setPage} />
        </>
      )}
    </Card>
  );
}
