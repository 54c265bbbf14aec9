import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

const LIMIT = 20;

/** GET/POST /v1/dashboards: the tenant's dashboards, the default first; create opens the editor. */
export function DashboardsPage() {
  const { api, can } = useWorkspace();
  const { route } = useLocation();
  const [page, setPage] = useState(1);
  const [name, setName] = useState('');
  const dashboards = useResource(
    () => call(api.GET('/v1/dashboards', { params: { query: { page, limit: LIMIT } } })),
    [page],
  );
  const create = useAction(async () => {
    const created = await call(
      api.POST('/v1/dashboards', {
        body: {
          name,
          widgets: [{ kind: 'kpi', title: 'Events', metric: 'events', options: { range_days: 7 } }],
        },
      }),
    );
    route(`/app/dashboards/${created.id}`);
  });
  return (
    <>
      <h1>Dashboards</h1>
      {can('dashboards:write') && (
        <section class="card" aria-labelledby="new-dashboard">
          <h2 id="new-dashboard">New dashboard</h2>
          <ProblemBanner problem={create.problem} />
          <form
            class="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void create.run();
            }}
          >
            <Field
              label="Name"
              name="name"
              required
              maxLength={100}
              value={name}
              problem={create.problem}
              onInput={(event) => setName(event.currentTarget.value)}
            />
            <button type="submit" class="primary" disabled={create.busy}>
              Create dashboard
            </button>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="dashboards-list">
        <h2 id="dashboards-list">All dashboards</h2>
        <ProblemBanner problem={dashboards.problem} />
        {!dashboards.data && !dashboards.problem && <Loading />}
        {dashboards.data &&
          (dashboards.data.data.length === 0 ? (
            <EmptyState>No dashboards yet</EmptyState>
          ) : (
            <TableWrap label="Dashboards table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Widgets</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {dashboards.data.data.map((dashboard) => (
                    <tr key={dashboard.id}>
                      <td>
                        <a href={`/app/dashboards/${dashboard.id}`}>{dashboard.name}</a>{' '}
                        {dashboard.is_default && <span class="badge">default</span>}
                      </td>
                      <td>{dashboard.widgets.length}</td>
                      <td>{new Date(dashboard.updated_at).toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
        {dashboards.data && (
          <Pager page={page} limit={LIMIT} total={dashboards.data.total} onPage={setPage} />
        )}
      </section>
    </>
  );
}
