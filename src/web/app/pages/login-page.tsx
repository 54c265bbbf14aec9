import { useState } from 'preact/hooks';
import { AuthError, type Session } from '../../shared/session';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { problemOf } from '../../shared/api';

/**
 * Sign-in to a tenant's workspace. The workspace field is the tenant's slug; on the tenant's own
 * subdomain (or custom domain) it may stay empty and the server picks the tenant from the host.
 */
export function LoginPage({ session, notice }: { session: Session; notice?: string }) {
  const initialTenant = new URLSearchParams(window.location.search).get('tenant') ?? '';
  const [tenant, setTenant] = useState(initialTenant);
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

  return (
    <main id="main" class="login">
      <h1>Sign in to your workspace</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ProblemBanner problem={problem} />
      <form onSubmit={(event) => void submit(event)}>
        <Field
          label="Workspace"
          name="tenant"
          hint="Your organisation's short name, as in acme.example.com; empty on your own domain"
          autocomplete="organization"
          value={tenant}
          problem={problem}
          onInput={(event) => setTenant(event.currentTarget.value.trim().toLowerCase())}
        />
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
    </main>
  );
}
