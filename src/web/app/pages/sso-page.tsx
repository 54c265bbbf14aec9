import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { ConfirmDialog } from '../../shared/ui/confirm-dialog';
import { CopyButton } from '../../shared/ui/copy-button';
import { Field, SelectField } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useAction, useResource } from '../../shared/use-resource';
import { isPlanFeatureProblem, PlanFeatureNotice } from '../ui/plan-feature-notice';
import { useWorkspace } from '../workspace';

type Draft = Omit<Schemas['UpdateSsoDto'], 'client_secret'>;
const ROLES = (['viewer', 'analyst', 'admin'] as const).map((value) => ({ value, label: value }));

/**
 * GET/PUT/DELETE /v1/sso: the tenant's OpenID Connect identity provider. Owners set it (admins,
 * who also hold sso:manage, read and remove it: whoever controls the IdP can sign in as anyone);
 * the secret is write-only; turning password login off is the API's to refuse (409) until one
 * SSO login has succeeded, and its message is shown as it comes.
 */
export function SsoPage() {
  const { api, me } = useWorkspace();
  const sso = useResource(() => call(api.GET('/v1/sso')), []);
  const [draft, setDraft] = useState<Draft>({
    issuer: '',
    client_id: '',
    default_role: 'viewer',
    password_login_enabled: true,
  });
  const [secret, setSecret] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  useEffect(() => {
    const data = sso.data;
    if (data?.configured) {
      setDraft({
        issuer: data.issuer ?? '',
        client_id: data.client_id ?? '',
        default_role: data.default_role ?? 'viewer',
        password_login_enabled: data.password_login_enabled,
      });
    }
  }, [sso.data]);
  const save = useAction(async () => {
    await call(
      api.PUT('/v1/sso', { body: { ...draft, ...(secret ? { client_secret: secret } : {}) } }),
    );
    setSecret('');
    setSaved('Single sign-on saved.');
    sso.reload();
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/v1/sso'));
    setSaved('Single sign-on removed: everyone signs in with a password again.');
    setDraft({ issuer: '', client_id: '', default_role: 'viewer', password_login_enabled: true });
    sso.reload();
  });

  if (isPlanFeatureProblem(sso.problem)) {
    return (
      <>
        <h1>Single sign-on</h1>
        <PlanFeatureNotice problem={sso.problem} what="Single sign-on (SSO)" />
      </>
    );
  }
  if (sso.problem) return <ProblemBanner problem={sso.problem} />;
  const data = sso.data;
  if (!data) return <Loading />;
  const owner = me.role === 'owner';
  return (
    <>
      <h1>Single sign-on</h1>
      <section class="card" aria-labelledby="sso-idp">
        <h2 id="sso-idp">At your identity provider</h2>
        <p>
          Register a confidential web client (authorization code flow with PKCE, scopes{' '}
          <code>openid email profile</code>) with this redirect URI:
        </p>
        <p class="inline-form">
          <code data-testid="sso-redirect-uri">{data.redirect_uri}</code>
          <CopyButton value={data.redirect_uri} label="Copy redirect URI" />
        </p>
        <p>
          {data.last_sso_login_at
            ? `Last SSO sign-in: ${new Date(data.last_sso_login_at).toLocaleString()}.`
            : data.configured
              ? 'Nobody has signed in through SSO yet. Try it once before you turn password login off.'
              : 'Not configured: everyone signs in with a password.'}
        </p>
      </section>
      <form
        class="card"
        aria-label="Identity provider"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(null);
          void save.run();
        }}
      >
        <h2>Identity provider</h2>
        {!owner && (
          <p class="notice">Only an owner can change single sign-on; you may read or remove it.</p>
        )}
        <ProblemBanner problem={save.problem ?? remove.problem} />
        {saved && !save.problem && !remove.problem && (
          <p class="notice" role="status">
            {saved}
          </p>
        )}
        <Field
          label="Issuer URL"
          name="issuer"
          type="url"
          hint="As https://login.acme.example; its /.well-known/openid-configuration is read to check it"
          required
          maxLength={2048}
          readOnly={!owner}
          value={draft.issuer}
          problem={save.problem}
          onInput={(event) => setDraft({ ...draft, issuer: event.currentTarget.value.trim() })}
        />
        <Field
          label="Client ID"
          name="client_id"
          required
          maxLength={255}
          readOnly={!owner}
          value={draft.client_id}
          problem={save.problem}
          onInput={(event) => setDraft({ ...draft, client_id: event.currentTarget.value.trim() })}
        />
        {owner && (
          <Field
            label="Client secret"
            name="client_secret"
            type="password"
            autocomplete="new-password"
            hint={
              data.client_secret_set
                ? `A secret is stored${data.client_secret_ref ? ` (${data.client_secret_ref})` : ''} and never shown; leave this empty to keep it`
                : 'Stored encrypted and never shown again; or env:SSO_CLIENT_SECRET_<SLUG> to name a variable the operator sets'
            }
            maxLength={1024}
            value={secret}
            problem={save.problem}
            onInput={(event) => setSecret(event.currentTarget.value)}
          />
        )}
        {owner ? (
          <SelectField
            label="Role of new users"
            name="default_role"
            options={ROLES}
            value={draft.default_role}
            problem={save.problem}
            onChange={(value) =>
              setDraft({ ...draft, default_role: value as Draft['default_role'] })
            }
          />
        ) : (
          <p>Role of new users: {draft.default_role}</p>
        )}
        <div class="field">
          <label>
            <input
              type="checkbox"
              name="password_login_enabled"
              disabled={!owner}
              checked={draft.password_login_enabled}
              aria-describedby="password-login-hint"
              onChange={(event) =>
                setDraft({ ...draft, password_login_enabled: event.currentTarget.checked })
              }
            />{' '}
            Password login for everyone
          </label>
          <small id="password-login-hint" class="hint">
            Off: only owners may sign in with a password (their way in if the identity provider
            fails); everyone else uses SSO.
          </small>
          {save.problem?.fields.password_login_enabled && (
            <small class="field-error">{save.problem.fields.password_login_enabled}</small>
          )}
        </div>
        <div class="actions">
          {owner && (
            <button type="submit" class="primary" disabled={save.busy}>
              Save
            </button>
          )}
          {data.configured && (
            <button type="button" class="danger" onClick={() => setRemoving(true)}>
              Remove single sign-on
            </button>
          )}
        </div>
      </form>
      <ConfirmDialog
        open={removing}
        title="Remove single sign-on?"
        message="Nobody can sign in through your identity provider any more, and everyone signs in with a password again."
        confirmLabel="Remove"
        onCancel={() => setRemoving(false)}
        onConfirm={() => {
          setRemoving(false);
          setSaved(null);
          void remove.run();
        }}
      />
    </>
  );
}
