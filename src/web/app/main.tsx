import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { call, createApi } from '../shared/api';
import { AuthGate } from '../shared/auth-gate';
import { Session, TENANT_SESSION_ROUTES } from '../shared/session';
import { Layout, type NavLink } from '../shared/ui/layout';
import { Loading } from '../shared/ui/loading';
import { ProblemBanner } from '../shared/ui/problem-banner';
import { useResource } from '../shared/use-resource';
import { applyBranding } from './branding';
import { ApiKeysPage } from './pages/api-keys-page';
import { AuditLogPage } from './pages/audit-log-page';
import { BrandingPage } from './pages/branding-page';
import { DashboardPage } from './pages/dashboard-page';
import { DashboardsPage } from './pages/dashboards-page';
import { DomainsPage } from './pages/domains-page';
import { ExplorerPage } from './pages/explorer-page';
import { ExportsPage } from './pages/exports-page';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { OverviewPage } from './pages/overview-page';
import { SetPasswordPage } from './pages/set-password-page';
import { SettingsPage } from './pages/settings-page';
import { SsoPage } from './pages/sso-page';
import { UsagePage } from './pages/usage-page';
import { UserPage } from './pages/user-page';
import { UsersPage } from './pages/users-page';
import { TenantStatus } from './tenant-status';
import { SuspensionBanner } from './ui/suspension-banner';
import { WorkspaceContext, type Workspace } from './workspace';
import '../shared/styles.css';
import './app.css';

/**
 * The tenant workspace at /app: a tenant's team manages its analytics, dashboards, users, keys,
 * branding and bill through the same public API every client uses.
 */
const session = new Session(TENANT_SESSION_ROUTES);
const api = createApi(session);
const tenantStatus = new TenantStatus();
api.use(tenantStatus.middleware());

type Permission = Workspace['me']['permissions'][number];
const LINKS: readonly (NavLink & { permission?: Permission })[] = [
  { href: '/app', label: 'Overview' },
  { href: '/app/explorer', label: 'Explorer', permission: 'analytics:read' },
  { href: '/app/dashboards', label: 'Dashboards', permission: 'dashboards:read' },
  { href: '/app/users', label: 'Users', permission: 'users:read' },
  { href: '/app/api-keys', label: 'API keys', permission: 'api_keys:read' },
  { href: '/app/branding', label: 'Branding', permission: 'settings:read' },
  { href: '/app/settings', label: 'Settings', permission: 'settings:read' },
  { href: '/app/sso', label: 'Single sign-on', permission: 'sso:manage' },
  { href: '/app/domains', label: 'Custom domains', permission: 'domains:read' },
  { href: '/app/usage', label: 'Usage and invoices', permission: 'settings:read' },
  { href: '/app/audit-log', label: 'Audit log', permission: 'audit:read' },
  { href: '/app/exports', label: 'Exports', permission: 'data:export' },
];

function SignedIn() {
  const me = useResource(() => call(api.GET('/auth/me')), []);
  const [brandingVersion, setBrandingVersion] = useState(0);
  const refreshBranding = useCallback(() => setBrandingVersion((value) => value + 1), []);
  useEffect(() => {
    void call(api.GET('/v1/branding')).then(
      (branding) => applyBranding(document.documentElement, branding),
      () => undefined, // The platform defaults of the stylesheet stay.
    );
  }, [brandingVersion]);
  const workspace = useMemo<Workspace | null>(() => {
    const data = me.data;
    return data
      ? {
          api,
          session,
          me: data,
          can: (permission) => data.permissions.includes(permission),
          refreshBranding,
        }
      : null;
  }, [me.data]);
  if (!workspace) {
    return (
      <main id="main">
        <SuspensionBanner status={tenantStatus} />
        {me.problem ? <ProblemBanner problem={me.problem} /> : <Loading />}
        {me.problem && (
          <button type="button" onClick={() => void session.logout()}>
            Log out
          </button>
        )}
      </main>
    );
  }
  return (
    <WorkspaceContext.Provider value={workspace}>
      <SuspensionBanner status={tenantStatus} />
      <Layout
        product={workspace.me.tenant.name}
        account={`${workspace.me.user?.email ?? ''} (${workspace.me.role ?? 'no role'})`}
        links={LINKS.filter((link) => !link.permission || workspace.can(link.permission))}
        onLogout={() => void session.logout()}
      >
        <Router>
          <Route path="/app" component={OverviewPage} />
          <Route path="/app/explorer" component={ExplorerPage} />
          <Route path="/app/dashboards" component={DashboardsPage} />
          <Route path="/app/dashboards/:id" component={DashboardPage} />
          <Route path="/app/users" component={UsersPage} />
          <Route path="/app/users/:id" component={UserPage} />
          <Route path="/app/api-keys" component={ApiKeysPage} />
          <Route path="/app/branding" component={BrandingPage} />
          <Route path="/app/settings" component={SettingsPage} />
          <Route path="/app/sso" component={SsoPage} />
          <Route path="/app/domains" component={DomainsPage} />
          <Route path="/app/usage" component={UsagePage} />
          <Route path="/app/audit-log" component={AuditLogPage} />
          <Route path="/app/exports" component={ExportsPage} />
          <Route path="/app/login" component={SignedInAlready} />
          <Route default component={NotFoundPage} />
        </Router>
      </Layout>
    </WorkspaceContext.Provider>
  );
}

/** /app/login once signed in (a password login there, or an old bookmark): on to the overview. */
function SignedInAlready() {
  const location = useLocation();
  useEffect(() => location.route('/app', true), []);
  return <Loading />;
}

/** The set-password link works signed out; everything else goes through the login. */
function Pages() {
  const location = useLocation();
  const [notice, setNotice] = useState<string | undefined>(undefined);
  if (location.path === '/app/set-password') {
    return (
      <SetPasswordPage
        onDone={() => {
          setNotice('Your password is set. Sign in with it.');
          location.route('/app', true);
        }}
      />
    );
  }
  return (
    <AuthGate
      session={session}
      signedOut={<LoginPage api={api} session={session} notice={notice} />}
    >
      <SignedIn />
    </AuthGate>
  );
}

function App() {
  const [, setTick] = useState(0);
  useEffect(() => session.subscribe(() => setTick((tick) => tick + 1)), []);
  return (
    <LocationProvider scope="/app">
      <Pages />
    </LocationProvider>
  );
}

render(<App />, document.getElementById('root') as HTMLElement);
