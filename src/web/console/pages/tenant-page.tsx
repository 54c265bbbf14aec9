import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { StatusBadge } from '../ui';
import { AuditCard } from '../tenant/audit-card';
import { ExportCard } from '../tenant/export-card';
import { HealthCard } from '../tenant/health-card';
import { InvoicesCard } from '../tenant/invoices-card';
import { LifecycleCard } from '../tenant/lifecycle-card';
import { OperationsCard } from '../tenant/operations-card';
import { OverridesCard } from '../tenant/overrides-card';
import { SettingsCard } from '../tenant/settings-card';
import { UsageCard } from '../tenant/usage-card';

type Tenant = Schemas['TenantDetailResponse'];

const SECTIONS = [
  ['settings', 'Settings'],
  ['plan', 'Plan and overrides'],
  ['usage', 'Usage'],
  ['health', 'Health'],
  ['cost', 'Cost'],
  ['operations', 'Operations'],
  ['invoices', 'Invoices'],
  ['audit', 'Audit log'],
  ['export', 'Export'],
  ['lifecycle', 'Suspend, restore, delete'],
] as const;

/**
 * One tenant (GET /admin/tenants/{id}): settings and plan, overrides, usage against limits,
 * health and cost, invoices, audit log, export, and its lifecycle. The /v1 sections call the
 * tenant's own routes with the operator's token and X-Tenant-ID, as any admin client would.
 * An unknown id shows the API's own 404 message.
 */
export function TenantPage() {
  const { api } = useConsole();
  const { params } = useRoute();
  const id = params.id ?? '';
  const detail = useResource(
    () => call(api.GET('/admin/tenants/{id}', { params: { path: { id } } })),
    [id],
  );
  // A save answers with the tenant as it is now: shown at once, without reading it again.
  const [tenant, setTenant] = useState<Tenant | undefined>(undefined);
  useEffect(() => setTenant(detail.data), [detail.data]);
  const live = tenant?.id === id ? tenant : undefined;

  if (!live) {
    return (
      <>
        <h1>Tenant</h1>
        <ProblemBanner problem={detail.problem} />
        {detail.problem && (
          <p>
            <a href="/console">Back to tenants</a>
          </p>
        )}
        {detail.loading && <Loading />}
      </>
    );
  }
  const acting = live.status === 'active';
  return (
    <>
      <p>
        <a href="/console">← Tenants</a>
      </p>
      <div class="page-head">
        <h1>{live.name}</h1>
        <StatusBadge status={live.status} />
        <span class="hint">
          {live.slug} · {live.tier}
        </span>
      </div>
      <nav aria-label="Sections of this tenant">
        <ul class="index">
          {SECTIONS.map(([anchor, label]) => (
            <li key={anchor}>
              <a href={`#${anchor}`}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      {!acting && (
        <p class="notice" role="status">
          This tenant is {live.status.replace('_', ' ')}: its own routes (usage, invoices, audit
          log, export) refuse every credential, so those sections show the API's answer.
        </p>
      )}
      <div class="grid-2">
        <SettingsCard tenant={live} onSaved={setTenant} />
        <OverridesCard key={live.id} tenant={live} onSaved={setTenant} />
      </div>
      {/* Keyed by status: a suspension or restore reads these sections again. */}
      <div key={live.status}>
        <UsageCard tenantId={live.id} />
        <HealthCard tenantId={live.id} />
        <OperationsCard tenantId={live.id} />
        <InvoicesCard tenantId={live.id} />
        <AuditCard tenantId={live.id} />
        <ExportCard tenantId={live.id} />
      </div>
      <LifecycleCard tenant={live} onChanged={() => detail.reload()} />
    </>
  );
}
