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
import { localInputToIso } from '../format';
import { CheckboxField } from '../ui';

const PAGE_SIZE = 25;

interface Filters {
  action: string;
  tenant_id: string;
  from: string;
  to: string;
  cross_tenant_only: boolean;
}

const NO_FILTERS: Filters = { action: '', tenant_id: '', from: '', to: '', cross_tenant_only: false };

/**
 * The platform audit log (GET /admin/audit-log): the platform's own events and every tenant's
 * entries, newest first, paged, filtered by action, tenant, time and cross-tenant attempts.
 */
export function AuditPage() {
  const { api } = useConsole();
  const [form, setForm] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const audit = useResource(
    () =>
      call(
        api.GET('/admin/audit-log', {
          params: {
            query: {
              page,
              limit: PAGE_SIZE,
              ...(applied.action ? { action: applied.action } : {}),
              ...(applied.tenant_id ? { tenant_id: applied.tenant_id } : {}),
              ...(applied.from ? { from: localInputToIso(applied.from) } : {}),
              ...(applied.to ? { to: localInputToIso(applied.to) } : {}),
              ...(applied.cross_tenant_only ? { cross_tenant_only: true } : {}),
            },
          },
        }),
      ),
    [page, applied],
  );
  const set = (change: Partial<Filters>) => setForm({ ...form, ...change });
  return (
    <>
      <h1>Platform audit log</h1>
      <form
        class="card"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          setPage(1);
          setApplied({ ...form, action: form.action.trim(), tenant_id: form.tenant_id.trim() });
        }}
      >
        <div class="form-grid">
          <Field
            label="Action"
            name="action"
            placeholder="e.g. tenant.suspended"
            maxLength={100}
            value={form.action}
            problem={audit.problem}
            onInput={(event) => set({ action: event.currentTarget.value })}
          />
          <Field
            label="Tenant id"
            name="tenant_id"
            maxLength={36}
            value={form.tenant_id}
            problem={audit.problem}
            onInput={(event) => set({ tenant_id: event.currentTarget.value })}
          />
          <Field
            label="From"
            name="from"
            type="datetime-local"
            value={form.from}
            problem={audit.problem}
            onInput={(event) => set({ from: event.currentTarget.value })}
          />
          <Field
            label="To"
            name="to"
            type="datetime-local"
            value={form.to}
            problem={audit.problem}
            onInput={(event) => set({ to: event.currentTarget.value })}
          />
        </div>
        <CheckboxField
          label="Cross-tenant attempts only"
          name="cross_tenant_only"
          checked={form.cross_tenant_only}
          onChange={(checked) => set({ cross_tenant_only: checked })}
        />
        <div class="actions">
          <button
            type="button"
            onClick={() => {
              setForm(NO_FILTERS);
              setApplied(NO_FILTERS);
              setPage(1);
            }}
          >
            Clear
          </button>
          <button type="submit" class="primary">
            Apply filters
          </button>
        </div>
      </form>
      <ProblemBanner problem={audit.problem} />
      {audit.loading && <Loading />}
      {audit.data && audit.data.data.length === 0 && (
        <EmptyState>No audit entries match these filters.</EmptyState>
      )}
      {audit.data && audit.data.data.length > 0 && (
        <>
          <AuditTable entries={audit.data.data} showTenant />
          <Pager page={page} limit={PAGE_SIZE} total={audit.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
