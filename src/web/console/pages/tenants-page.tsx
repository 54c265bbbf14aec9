import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';

const PAGE_SIZE = 25;

/** Every tenant, paged (GET /admin/tenants). */
export function TenantsPage() {
  const { api } = useConsole();
  const [page, setPage] = useState(1);
  const tenants = useResource(
    () =>
      call(api.GET('/admin/tenants', { params: { query: { page, limit: PAGE_SIZE } } })),
    [page],
  );
  return (
    <>
      <h1>Tenants</h1>
      <ProblemBanner problem={tenants.problem} />
      {tenants.loading && !tenants.data && <Loading />}
      {tenants.data && tenants.data.data.length === 0 && <EmptyState>No tenants yet.</EmptyState>}
      {tenants.data && tenants.data.data.length > 0 && (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {tenants.data.data.map((tenant) => (
                  <tr key={tenant.id}>
                    <td>
                      <a href={`/console/tenants/${tenant.id}`}>{tenant.name}</a>
                    </td>
                    <td>{tenant.slug}</td>
                    <td>{tenant.tier}</td>
                    <td>{tenant.status}</td>
                    <td>{new Date(tenant.created_at).toLocaleDateString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} limit={PAGE_SIZE} total={tenants.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
