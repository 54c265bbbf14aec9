import { useWorkspace } from '../workspace';
import { SummaryView } from '../explorer/summary-view';
import { NO_FILTERS } from '../explorer/filters';
import { presetRange } from '../explorer/range';
import { useMemo } from 'preact/hooks';

/**
 * The workspace's first page: which tenant and role the reader is signed in as, the last seven
 * days at a glance (for roles that may read analytics), and where to go next.
 */
export function OverviewPage() {
  const { me, can } = useWorkspace();
  const week = useMemo(() => presetRange(7), []);
  return (
    <>
      <h1>{me.tenant.name}</h1>
      <section class="card">
        <p>
          Signed in as <strong>{me.user?.email ?? 'unknown'}</strong> with the role{' '}
          <strong>{me.role ?? 'none'}</strong> on the <strong>{me.tenant.tier}</strong> plan.
        </p>
      </section>
      {can('analytics:read') && (
        <section class="card" aria-labelledby="week">
          <h2 id="week">The last 7 days</h2>
          <SummaryView range={week} filters={NO_FILTERS} />
          <p>
            <a href="/app/explorer">Explore further</a>
          </p>
        </section>
      )}
      <section class="card" aria-labelledby="next">
        <h2 id="next">Getting started</h2>
        <ul>
          {can('api_keys:write') && (
            <li>
              <a href="/app/api-keys">Create an API key</a> and send events with it to{' '}
              <code>POST /v1/events</code>.
            </li>
          )}
          {can('users:write') && (
            <li>
              <a href="/app/users">Invite your team</a>, each with the role they need.
            </li>
          )}
          {can('dashboards:read') && (
            <li>
              <a href="/app/dashboards">Build a dashboard</a> and embed it in your product.
            </li>
          )}
          <li>
            The API reference is at <a href="/docs">/docs</a>.
          </li>
        </ul>
      </section>
    </>
  );
}
