import { useState } from 'preact/hooks';
import type { TenantryClient } from '../../../api-client';
import { AuthError, type Session } from '../../shared/session';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { problemOf } from '../../shared/api';
import { ssoHref, useLoginOptions, wantedPage } from '../login/login-options';
import { ssoErrorMessage } from '../login/sso-errors';

/**
 * Sign-in to a tenant's workspace. The workspace field is the tenant's slug; on the tenant's own
 * subdomain (or custom domain) it may stay empty and the server picks the tenant from the host.
 * A tenant with SSO gets a "Sign in with SSO" link; one that turned password login off keeps the
 * owners' break-glass password form behind a disclosure. /app/login?error=<code> (the end of a
 * failed SSO round trip) says what went wrong.
 */
export function LoginPage({
  api,
  session,
  notice,
}: {
  api: TenantryClient;
  session: Session;
  notice?: string;
}) {
  const query = new URLSearchParams(window.location.search);
  const [tenant, setTenant] = useState(query.get('tenant') ?? '');
  const ssoError = ssoErrorMessage(query.get('error'));
  const options = useLoginOptions(api, tenant);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ReturnType<typeof problemOf>>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await session.login({ ...(tenant ? { tenant } : {}), email, password });
    } catch (error) {
      const status = error instanceof AuthError ? error.status : 0;
      const message = error instanceof Error ? error.message : String(error);
      const field = error instanceof AuthError ? error.field : undefined;
      setProblem(problemOf(status, { message, errors: field ? [{ field, message }] : [] }));
    } finally {
      setBusy(false);
    }
  };

  const passwordForm = (
    <form onSubmit={(event) => void submit(event)}>
      <Field
        label="Email"
        name="email"
        type="email"
        autocomplete="username"
        required
        value={email}
        problem={problem}
        onInput={(event) => setEmail(event.currentTarget.value)}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        value={password}
        problem={problem}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );

  return (
    <main id="main" class="login">
      <h1>Sign in to your workspace</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {ssoError && (
        <div class="problem" role="alert">
          <p>{ssoError}</p>
        </div>
      )}
      <ProblemBanner problem={problem} />
      <Field
        label="Workspace"
        name="tenant"
        hint="Your organisation's short name, as in acme.example.com; empty on your own domain"
        autocomplete="organization"
        value={tenant}
        problem={problem}
        onInput={(event) => setTenant(event.currentTarget.value.trim().toLowerCase())}
      />
      {options?.sso && options.sso_start_url && (
        <p class="actions sso">
          <a class="button primary" href={ssoHref(options.sso_start_url, wantedPage())}>
            Sign in with SSO
          </a>
        </p>
      )}
      {options && !options.password_login ? (
        <details class="break-glass">
          <summary>Owner sign-in with password</summary>
          {passwordForm}
        </details>
      ) : (
        passwordForm
      )}
    </main>
  );
}
