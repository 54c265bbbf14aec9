import { useState } from 'preact/hooks';
import { problemOf, type ApiProblem } from '../../shared/api';
import { Field } from '../../shared/ui/field';
import { ProblemBanner } from '../../shared/ui/problem-banner';

/**
 * /app/set-password#token=…: the link the operator console shows a new tenant's owner. The token
 * is in the fragment, which the browser never sends to a server (nor in a Referer), so it stays
 * out of access logs. The password is asked twice; POST /auth/password sets it, and the reader
 * goes on to the login page with a notice.
 */
export function SetPasswordPage({ onDone }: { onDone: () => void }) {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (password !== repeat) {
      const message = 'The two passwords differ';
      setProblem(problemOf(400, { message, errors: [{ field: 'password_repeat', message }] }));
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const response = await fetch('/auth/password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ token, password }),
      });
      if (!response.ok) {
        setProblem(problemOf(response.status, await response.json().catch(() => ({}))));
        return;
      }
      // The token is spent: take it out of the address bar and history.
      history.replaceState(null, '', '/app/set-password');
      onDone();
    } catch (error) {
      setProblem(problemOf(0, { message: String(error) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>Set your password</h1>
      {!token ? (
        <p class="problem" role="alert">
          This link has no token. Open the full link you were given, or ask the person who invited
          you for a new one.
        </p>
      ) : (
        <>
          <ProblemBanner problem={problem} />
          <form onSubmit={(event) => void submit(event)}>
            <Field
              label="New password"
              name="password"
              type="password"
              autocomplete="new-password"
              required
              maxLength={256}
              value={password}
              problem={problem}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
            <Field
              label="Repeat the password"
              name="password_repeat"
              type="password"
              autocomplete="new-password"
              required
              maxLength={256}
              value={repeat}
              problem={problem}
              onInput={(event) => setRepeat(event.currentTarget.value)}
            />
            <div class="actions">
              <button type="submit" class="primary" disabled={busy}>
                {busy ? 'Saving…' : 'Set password'}
              </button>
            </div>
          </form>
        </>
      )}
    </main>
  );
}
