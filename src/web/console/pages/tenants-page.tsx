import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { call } from '../../shared/api';
import { Field, SelectField } from '../../shared/ui/field';
import { EmptyState } from '../../shared/ui/empty-state';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { daysAgo, formatCount, formatDate, formatDollars } from '../format';
import { optionsOf, STATUSES, TIERS, type TenantStatus, type Tier } from '../options';
import { StatusBadge, TableWrap } from '../ui';

const PAGE_SIZE = 25;

interface Filters {
  search: string;
  status: string;
  tier: string;
  page: number;
}

/** The filters live in the address, so a reload, a link or Back shows the same list. */
function filtersOf(query: Record<string, string>): Filters {
  const page = Number.parseInt(query.page ?? '1', 10);
  return {
    search: query.search ?? '',
    status: (STATUSES as readonly string[]).includes(query.status ?? '') ? query.status : '',
    tier: (TIERS as readonly string[]).includes(query.tier ?? '') ? query.tier : '',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function addressOf(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.search) params.set('search', filters.search);
  if (filters.status) params.set('status', filters.status);
  if (filters.tier) params.set('tier', filters.tier);
  if (filters.page > 1) params.set('page', String(filters.page));
  const text = params.toString();
  return text ? `/console?${text}` : '/console';
}

/**
 * Every tenant (GET /admin/tenants): search by name or slug, filter by status and tier, paged,
 * with each tenant's query load and estimated cost over the last 30 days (one call to
 * GET /admin/cost-attribution for the whole page, not one per row).
 */
export function TenantsPage() {
  const { api } = useConsole();
  const { query, route } = useLocation();
  const filters = filtersOf(query);
  const [search, setSearch] = useState(filters.search);
  const go = (change: Partial<Filters>) =>
    route(addressOf({ ...filters, page: 1, ...change }), true);

  const tenants = useResource(
    () =>
      call(
        api.GET('/admin/tenants', {
          params: {
            query: {
              page: filters.page,
              limit: PAGE_SIZE,
              ...(filters.search ? { search: filters.search } : {}),
              ...(filters.status ? { status: filters.status as TenantStatus } : {}),
              ...(filters.tier ? { tier: filters.tier as Tier } : {}),
            },
          },
        }),
      ),
    [filters.page, filters.search, filters.status, filters.tier],
  );
  const costs = useResource(
    () => call(api.GET('/admin/cost-attribution', { params: { query: { from: daysAgo(30), limit: 1000 } } })),
    [],
  );
  const costOf = new Map((costs.data?.data ?? []).map((cost) => [cost.tenant_id, cost]));
  const filtered = Boolean(filters.search || filters.status || filters.tier);

  return (
    <>
      <div class="page-head">
        <h1>Tenants</h1>
        <div class="actions">
          <a class="button primary link-button" href="/console/tenants/new">
            Create tenant
          </a>
        </div>
      </div>
      <form
        class="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          go({ search: search.trim() });
        }}
      >
        <Field
          label="Search name or slug"
          name="search"
          type="search"
          maxLength={100}
          value={search}
          problem={tenants.problem}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <button type="submit">Search</button>
        <SelectField
          label="Status"
          name="status"
          options={optionsOf(STATUSES, 'Any status')}
          value={filters.status}
          problem={tenants.problem}
          onChange={(status) => go({ status })}
        />
        <SelectField
          label="Tier"
          name="tier"
          options={optionsOf(TIERS, 'Any tier')}
          value={filters.tier}
          problem={tenants.problem}
          onChange={(tier) => go({ tier })}
        />
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setSearch('');
              go({ search: '', status: '', tier: '' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <ProblemBanner problem={tenants.problem} />
      {tenants.loading && <Loading />}
      {tenants.data && tenants.data.data.length === 0 && (
        <EmptyState>{filtered ? 'No tenant matches these filters.' : 'No tenants yet.'}</EmptyState>
      )}
      {tenants.data && tenants.data.data.length > 0 && (
        <>
          <TableWrap label="Tenants">
            <table>
              <caption class="visually-hidden">
                Tenants, with queries and estimated cost over the last 30 days
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="number">
                    Queries (30 d)
                  </th>
                  <th scope="col" class="number">
                    Est. cost (30 d)
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {tenants.data.data.map((tenant) => {
                  const cost = costOf.get(tenant.id);
                  return (
                    <tr key={tenant.id}>
                      <td>
                        <a href={`/console/tenants/${tenant.id}`}>{tenant.name}</a>
                      </td>
                      <td>{tenant.slug}</td>
                      <td>{tenant.tier}</td>
                      <td>
                        <StatusBadge status={tenant.status} />
                      </td>
                      <td class="number">{costs.data ? formatCount(cost?.queries ?? 0) : '…'}</td>
                      <td class="number">
                        {costs.data ? formatDollars(cost?.estimated_cost ?? 0) : '…'}
                      </td>
                      <td>{formatDate(tenant.created_at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={filters.page}
            limit={PAGE_SIZE}
            total={tenants.data.total}
            onPage={(page) => go({ page })}
          />
        </>
      )}
      {costs.problem && <ProblemBanner problem={costs.problem} />}
    </>
  );
}
