import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import type { Schemas } from '../../api-client';
import { call, createApi } from '../shared/api';
import { AuthGate } from '../shared/auth-gate';
import { Session, TENANT_SESSION_ROUTES } from '../shared/session';
import { Layout, type NavLink } from '../shared/ui/layout';
import { Loading } from '../shared/ui/loading';
import { ProblemBanner } from '../shared/ui/problem-banner';
import { useResource } from '../shared/use-resource';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { OverviewPage } from './pages/overview-page';
import { WorkspaceContext, type Workspace } from './workspace';
import '../shared/styles.css';

/**
 * The tenant workspace at /app: a tenant's team manages its analytics, dashboards, users, keys,
 * branding and bill through the same public API every client uses.
 */
const session = new Session(TENANT_SESSION_ROUTES);
const api = createApi(session);

const LINKS: readonly (NavLink & { permission?: string })[] = [{ href: '/app', label: 'Overview' }];

function SignedIn() {
  const me = useResource(() => call(api.GET('/auth/me')), []);
  const workspace = useMemo<Workspace | null>(
    () =>
      me.data
        ? {
            api,
            session,
            me: me.data,
            can: (permission) => (me.data as Schemas['MeResponse']).permissions.includes(permission as never),
          }
        : null,
    [me.data],
  );
  if (!workspace) {
    return me.problem ? <ProblemBanner problem={me.problem} /> : <Loading />;
  }
  return (
    <WorkspaceContext.Provider value={workspace}>
      <Layout
        product={workspace.me.tenant.name}
        account={workspace.me.user?.email ?? ''}
        links={LINKS.filter((link) => !link.permission || workspace.can(link.permission))}
        onLogout={() => void session.logout()}
      >
        <Router>
          <Route path="/app" component={OverviewPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </Layout>
    </WorkspaceContext.Provider>
  );
}

function App() {
  const [, setTick] = useState(0);
  useEffect(() => session.subscribe(() => setTick((tick) => tick + 1)), []);
  return (
    <LocationProvider scope="/app">
      <AuthGate session={session} signedOut={<LoginPage session={session} />}>
        <SignedIn />
      </AuthGate>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('root') as HTMLElement);
