import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useConsole } from '../console';
import { formatDate, formatDateTime } from '../format';
import { optionsOf, TIERS, type Tier } from '../options';
import { Card } from '../ui';
import { asTenant } from './tenant-header';

type Tenant = Schemas['TenantDetailResponse'];

/**
 * The tenant's name and plan (PATCH /admin/tenants/{id}: a plan change is effective now) and
 * its own regional settings (GET /v1/settings, acting as the tenant).
 */
export function SettingsCard({ tenant, onSaved }: { tenant: Tenant; onSaved: (t: Tenant) => void }) {
  const { api } = useConsole();
  const [name, setName] = useState(tenant.name);
  const [plan, setPlan] = useState<Tier>(tenant.tier);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setName(tenant.name);
    setPlan(tenant.tier);
  }, [tenant.id, tenant.name, tenant.tier]);
  const settings = useResource(
    () => call(api.GET('/v1/settings', { params: asTenant(tenant.id) })),
    [tenant.id],
  );
  const save = useAction(() =>
    call(
      api.PATCH('/admin/tenants/{id}', {
        params: { path: { id: tenant.id } },
        body: {
          ...(name.trim() !== tenant.name ? { name: name.trim() } : {}),
          ...(plan !== tenant.tier ? { plan } : {}),
        },
      }),
    ),
  );
  const editable = tenant.status === 'active' || tenant.status === 'suspended';

  return (
    <Card id="settings" title="Settings and plan">
      <dl class="facts">
        <dt>Tenant id</dt>
        <dd>
          <code>{tenant.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatDate(tenant.created_at)}</dd>
        <dt>Plan version</dt>
        <dd>
          {tenant.terms ? `${tenant.terms.code} v${tenant.terms.version}` : '—'}
        </dd>
        {tenant.deleted_at && (
          <>
            <dt>Deleted</dt>
            <dd>{formatDateTime(tenant.deleted_at)}</dd>
            <dt>Purge after</dt>
            <dd>{formatDateTime(tenant.purge_after)}</dd>
          </>
        )}
        {settings.data && (
          <>
            <dt>Time zone</dt>
            <dd>{settings.data.timezone}</dd>
            <dt>Locale</dt>
            <dd>{settings.data.locale}</dd>
            <dt>Currency</dt>
            <dd>{settings.data.currency}</dd>
            <dt>Date format</dt>
            <dd>{settings.data.date_format}</dd>
          </>
        )}
      </dl>
      {settings.loading && <Loading label="Loading settings…" />}
      <ProblemBanner problem={settings.problem} />
      {editable && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setSaved(false);
            void save.run().then((answer) => {
              if (!answer) return;
              setSaved(true);
              onSaved(answer);
            });
          }}
        >
          <h3>Change</h3>
          <ProblemBanner problem={save.problem} />
          <Field
            label="Name"
            name="name"
            required
            maxLength={200}
            value={name}
            problem={save.problem}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <SelectField
            label="Plan"
            name="plan"
            options={optionsOf(TIERS)}
            value={plan}
            problem={save.problem}
            onChange={(value) => setPlan(value as Tier)}
          />
          <div class="actions">
            {saved && (
              <span role="status" class="hint">
                Saved.
              </span>
            )}
            <button type="submit" class="primary" disabled={save.busy}>
              Save settings
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}
