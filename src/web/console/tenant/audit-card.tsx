import { useState } from 'preact/hooks';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { AuditTable } from '../audit-table';
import { useConsole } from '../console';
import { Card } from '../ui';
import { asTenant } from './tenant-header';

const PAGE_SIZE = 20;

/** The tenant's own audit log, paged and filtered by action (GET /v1/audit-log as the tenant). */
export function AuditCard({ tenantId }: { tenantId: string }) {
  const { api } = useConsole();
  const [page, setPage] = useState(1);
  const [action, setAction] = useState('');
  const [applied, setApplied] = useState('');
  const audit = useResource(
    () =>
      call(
        api.GET('/v1/audit-log', {
          params: {
            ...asTenant(tenantId),
            query: { page, limit: PAGE_SIZE, ...(applied ? { action: applied } : {}) },
          },
        }),
      ),
    [tenantId, page, applied],
  );
  return (
    <Card id="audit" title="Audit log">
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setPage(1);
          setApplied(action.trim());
        }}
      >
        <Field
          label="Action"
          name="tenant-audit-action"
          placeholder="e.g. user.created"
          maxLength={100}
          value={action}
          onInput={(event) => setAction(event.currentTarget.value)}
        />
        <button type="submit">Filter</button>
      </form>
      <ProblemBanner problem={audit.problem} />
      {audit.loading && <Loading />}
      {audit.data && audit.data.data.length === 0 && (
        <EmptyState>No audit entries{applied ? ` for ${applied}` : ''}.</EmptyState>
      )}
      {audit.data && audit.data.data.length > 0 && (
        <>
          <AuditTable entries={audit.data.data} />
          <Pager page={page} limit={PAGE_SIZE} total={audit.data.total} onPage={setPage} />
        </>
      )}
    </Card>
  );
}
