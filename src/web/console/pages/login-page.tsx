import { useState } from 'preact/hooks';
import { problemOf, type ApiProblem } from '../../shared/api';
import { AuthError, type Session } from '../../shared/session';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';

/** Platform operator sign-in (POST /auth/admin/login). */
export function LoginPage({ session }: { session: Session }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await session.login({ email, password });
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
      <h1>Tenantry operator console</h1>
      <ProblemBanner problem={problem} />
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
    </main>
  );
}
