import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { fromLocalInput } from '../explorer/range';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

const LIMIT = 25;

interface AuditFilters {
  action: string;
  actor: string;
  from: string;
  to: string;
}
const NONE: AuditFilters = { action: '', actor: '', from: '', to: '' };

/** GET /v1/audit-log: newest first, paged, filtered by action, actor and time. */
export function AuditLogPage() {
  const { api } = useWorkspace();
  const [page, setPage] = useState(1);
  const [draft, setDraft] = useState<AuditFilters>(NONE);
  const [filters, setFilters] = useState<AuditFilters>(NONE);
  const log = useResource(() => {
    const from = filters.from ? fromLocalInput(filters.from) : null;
    const to = filters.to ? fromLocalInput(filters.to) : null;
    return call(
      api.GET('/v1/audit-log', {
        params: {
          query: {
            page,
            limit: LIMIT,
            ...(filters.action ? { action: filters.action } : {}),
            ...(filters.actor ? { actor_id: filters.actor } : {}),
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
          },
        },
      }),
    );
  }, [page, filters]);
  return (
    <>
      <h1>Audit log</h1>
      <form
        class="card toolbar"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          setPage(1);
          setFilters({ ...draft, action: draft.action.trim(), actor: draft.actor.trim() });
        }}
      >
        <Field
          label="Action"
          name="action"
          hint="as user.created"
          maxLength={64}
          value={draft.action}
          problem={log.problem}
          onInput={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
        />
        <Field
          label="Actor id"
          name="actor_id"
          maxLength={128}
          value={draft.actor}
          problem={log.problem}
          onInput={(event) => setDraft({ ...draft, actor: event.currentTarget.value })}
        />
        <Field
          label="From"
          name="from"
          type="datetime-local"
          value={draft.from}
          problem={log.problem}
          onInput={(event) => setDraft({ ...draft, from: event.currentTarget.value })}
        />
        <Field
          label="To"
          name="to"
          type="datetime-local"
          value={draft.to}
          problem={log.problem}
          onInput={(event) => setDraft({ ...draft, to: event.currentTarget.value })}
        />
        <button type="submit">Filter</button>
      </form>
      <ProblemBanner problem={log.problem} />
      {!log.data && !log.problem && <Loading />}
      {log.data &&
        (log.data.data.length === 0 ? (
          <EmptyState>No entries match these filters</EmptyState>
        ) : (
          <TableWrap label="Audit entries">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Resource</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {log.data.data.map((entry) => (
                  <tr key={entry.id}>
                    <td>{new Date(entry.at).toLocaleString()}</td>
                    <td>
                      <code>{entry.action}</code>
                      {entry.cross_tenant_attempt && (
                        <span class="badge"> cross-tenant attempt</span>
                      )}
                    </td>
                    <td>
                      {entry.actor_type}
                      {entry.actor_id ? ` ${entry.actor_id}` : ''}
                    </td>
                    <td>
                      {entry.resource_type}
                      {entry.resource_id ? ` ${entry.resource_id}` : ''}
                    </td>
                    <td>{entry.ip ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      {log.data && <Pager page={page} limit={LIMIT} total={log.data.total} onPage={setPage} />}
    </>
  );
}
