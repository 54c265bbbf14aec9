import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { CopyButton } from '../../shared/ui/copy-button';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

type Scope = Schemas['CreateApiKeyDto']['scopes'][number];
const PAGE = 20;
const SCOPES: readonly Scope[] = [
  'events:write',
  'analytics:read',
  'dashboards:read',
  'dashboards:write',
  'settings:read',
  'settings:write',
  'users:read',
  'users:write',
  'api_keys:read',
  'api_keys:write',
  'audit:read',
  'privacy:read',
  'privacy:write',
  'data:export',
];

/** GET/POST/DELETE /v1/api-keys: a new key is shown once, with a copy button, then never again. */
export function ApiKeysPage() {
  const { api, can } = useWorkspace();
  const keys = useResource(() => call(api.GET('/v1/api-keys')), []);
  const [revoking, setRevoking] = useState<Schemas['ApiKeyResponse'] | null>(null);
  const revoke = useAction(async (id: string) => {
    await call(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
    keys.reload();
  });
  const writable = can('api_keys:write');
  // The API answers every key at once (a tenant holds few); the page still shows them 20 at a time.
  const [page, setPage] = useState(1);
  const list = keys.data?.slice((page - 1) * PAGE, page * PAGE);
  return (
    <>
      <h1>API keys</h1>
      {writable && <CreateKey onCreated={() => keys.reload()} />}
      <section class="card" aria-labelledby="keys-list">
        <h2 id="keys-list">Keys</h2>
        <ProblemBanner problem={keys.problem ?? revoke.problem} />
        {!list && !keys.problem && <Loading />}
        {list &&
          (list.length === 0 ? (
            <EmptyState>No API keys yet</EmptyState>
          ) : (
            <TableWrap label="API keys table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Last used</th>
                    {writable && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>
                        <code>{key.prefix}</code>
                      </td>
                      <td>{key.scopes.join(', ')}</td>
                      <td>
                        {key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'never'}
                      </td>
                      {writable && (
                        <td>
                          <button type="button" class="danger" onClick={() => setRevoking(key)}>
                            Revoke<span class="visually-hidden"> {key.name}</span>
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
        {keys.data && keys.data.length > PAGE && (
          <Pager page={page} limit={PAGE} total={keys.data.length} onPage={setPage} />
        )}
      </section>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        message={`Requests with ${revoking?.name ?? ''} (${revoking?.prefix ?? ''}) are refused from now on. This cannot be undone.`}
        confirmLabel="Revoke key"
        typed={revoking?.name}
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const key = revoking;
          setRevoking(null);
          if (key) void revoke.run(key.id);
        }}
      />
    </>
  );
}

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const { api } = useWorkspace();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['events:write']);
  const [created, setCreated] = useState<Schemas['CreatedApiKeyResponse'] | null>(null);
  const create = useAction(async () => {
    setCreated(await call(api.POST('/v1/api-keys', { body: { name, scopes } })));
    setName('');
    onCreated();
  });
  return (
    <section class="card" aria-labelledby="new-key">
      <h2 id="new-key">Create a key</h2>
      {created && (
        <div class="notice" role="status">
          <p>
            <strong>Copy this key now: it is shown only once.</strong> Keep it on your servers;
            never put it in a web page.
          </p>
          <p class="secret" data-testid="new-api-key">
            {created.key}
          </p>
          <div class="inline-form">
            <CopyButton value={created.key} label="Copy key" />
            <button type="button" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      <ProblemBanner problem={create.problem} />
      <form
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
        <fieldset
          class="checks"
          aria-describedby={create.problem?.fields.scopes ? 'scopes-error' : undefined}
        >
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope}>
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes(
                    event.currentTarget.checked
                      ? [...scopes, scope]
                      : scopes.filter((held) => held !== scope),
                  )
                }
              />
              {scope}
            </label>
          ))}
        </fieldset>
        {create.problem?.fields.scopes && (
          <small id="scopes-error" class="field-error">
            {create.problem.fields.scopes}
          </small>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={create.busy}>
            Create key
          </button>
        </div>
      </form>
    </section>
  );
}
