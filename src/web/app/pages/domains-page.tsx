import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { CopyButton } from '../../shared/ui/copy-button';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { isPlanFeatureProblem, PlanFeatureNotice } from '../ui/plan-feature-notice';
import { TableWrap } from '../ui/table-wrap';
import { useWorkspace } from '../workspace';

type Domain = Schemas['CustomDomainResponse'];

/**
 * /v1/domains: the workspace on a name of the tenant's own. Adding one answers the two DNS
 * records to create (TXT proves control, CNAME routes the traffic); "Verify now" looks the TXT
 * record up and shows the outcome; removing one asks for its name typed out, since the name
 * stops serving the workspace at once.
 */
export function DomainsPage() {
  const { api, can } = useWorkspace();
  const domains = useResource(() => call(api.GET('/v1/domains')), []);
  const [removing, setRemoving] = useState<Domain | null>(null);
  const verify = useAction(async (id: string) => {
    await call(api.POST('/v1/domains/{id}/verify', { params: { path: { id } } }));
    domains.reload();
  });
  const remove = useAction(async (id: string) => {
    await call(api.DELETE('/v1/domains/{id}', { params: { path: { id } } }));
    domains.reload();
  });
  const writable = can('domains:write');

  if (isPlanFeatureProblem(domains.problem)) {
    return (
      <>
        <h1>Custom domains</h1>
        <PlanFeatureNotice problem={domains.problem} what="A custom domain (white label)" />
      </>
    );
  }
  return (
    <>
      <h1>Custom domains</h1>
      <p>
        Open your workspace and embedded dashboards at a name of your own, as analytics.example.com.
        Only your organisation&apos;s credentials work there.
      </p>
      {writable && <AddDomain onAdded={() => domains.reload()} />}
      <ProblemBanner problem={domains.problem ?? verify.problem ?? remove.problem} />
      {!domains.data && !domains.problem && <Loading />}
      {domains.data?.length === 0 && <EmptyState>No custom domains yet</EmptyState>}
      {domains.data?.map((domain) => (
        <section class="card" key={domain.id} aria-labelledby={`domain-${domain.id}`}>
          <h2 id={`domain-${domain.id}`}>{domain.hostname}</h2>
          <p data-testid="domain-status">
            <strong class={`status status-${domain.status}`}>{domain.status}</strong>
            {domain.verified_at && ` since ${new Date(domain.verified_at).toLocaleString()}`}
            {domain.last_checked_at &&
              ` · last checked ${new Date(domain.last_checked_at).toLocaleString()}`}
          </p>
          {domain.last_error && (
            <p class="field-error" data-testid="domain-error">
              {domain.last_error}
            </p>
          )}
          <p>Create these records at your DNS provider, then verify:</p>
          <TableWrap label={`DNS records for ${domain.hostname}`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                  <th scope="col">Copy</th>
                </tr>
              </thead>
              <tbody>
                {[domain.verification_record, domain.routing_record].map((record) => (
                  <tr key={record.type}>
                    <td>{record.type}</td>
                    <td>
                      <code>{record.name}</code>
                    </td>
                    <td>
                      <code data-testid={`record-${record.type}`}>{record.value}</code>
                    </td>
                    <td class="inline-form">
                      <CopyButton value={record.name} label={`Copy ${record.type} name`} />
                      <CopyButton value={record.value} label={`Copy ${record.type} value`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {writable && (
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={verify.busy}
                onClick={() => void verify.run(domain.id)}
              >
                {verify.busy ? 'Checking…' : 'Verify now'}
                <span class="visually-hidden"> {domain.hostname}</span>
              </button>
              <button type="button" class="danger" onClick={() => setRemoving(domain)}>
                Remove<span class="visually-hidden"> {domain.hostname}</span>
              </button>
            </div>
          )}
        </section>
      ))}
      <ConfirmDialog
        open={removing !== null}
        title="Remove this domain?"
        message={`${removing?.hostname ?? ''} stops serving your workspace and embeds at once. Type the name to confirm.`}
        confirmLabel="Remove domain"
        typed={removing?.hostname}
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const domain = removing;
          setRemoving(null);
          if (domain) void remove.run(domain.id);
        }}
      />
    </>
  );
}

function AddDomain({ onAdded }: { onAdded: () => void }) {
  const { api } = useWorkspace();
  const [hostname, setHostname] = useState('');
  const add = useAction(async () => {
    await call(api.POST('/v1/domains', { body: { hostname } }));
    setHostname('');
    onAdded();
  });
  return (
    <form
      class="card"
      aria-label="Add a domain"
      onSubmit={(event) => {
        event.preventDefault();
        void add.run();
      }}
    >
      <ProblemBanner problem={add.problem} />
      <Field
        label="Domain name"
        name="hostname"
        hint="A name you control, as analytics.example.com"
        required
        maxLength={253}
        value={hostname}
        problem={add.problem}
        onInput={(event) => setHostname(event.currentTarget.value.trim())}
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={add.busy}>
          Add domain
        </button>
      </div>
    </form>
  );
}
