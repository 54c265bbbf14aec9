import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Session } from './session';
import { Loading } from './ui/loading';

/**
 * Shows the console once the session is known: at start it tries the refresh cookie (a reload
 * keeps the reader signed in), then renders `signedOut` or `children`, and switches back to
 * `signedOut` whenever the session ends (logout, or the server refusing it).
 */
export function AuthGate({
  session,
  signedOut,
  children,
}: {
  session: Session;
  signedOut: ComponentChildren;
  children: ComponentChildren;
}) {
  const [state, setState] = useState<'checking' | 'in' | 'out'>('checking');
  useEffect(() => {
    const unsubscribe = session.subscribe((signedIn) => setState(signedIn ? 'in' : 'out'));
    void session.restore().then((ok) => setState(ok ? 'in' : 'out'));
    return unsubscribe;
  }, [session]);
  if (state === 'checking') return <Loading label="Signing in…" />;
  return <>{state === 'in' ? children : signedOut}</>;
}
