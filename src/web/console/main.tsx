import { render } from 'preact';
import { LocationProvider, Route, Router } from 'preact-iso';
import { createApi } from '../shared/api';
import { AuthGate } from '../shared/auth-gate';
import { ADMIN_SESSION_ROUTES, Session } from '../shared/session';
import { Layout } from '../shared/ui/layout';
import { ConsoleContext } from './console';
import { AuditPage } from './pages/audit-page';
import { CostsPage } from './pages/costs-page';
import { CreateTenantPage } from './pages/create-tenant-page';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { PlansPage } from './pages/plans-page';
import { StatisticsPage } from './pages/statistics-page';
import { TenantPage } from './pages/tenant-page';
import { TenantsPage } from './pages/tenants-page';
import '../shared/styles.css';
import './console.css';

/**
 * The operator console at /console: platform admins run tenants, plans and the platform through
 * the same /admin API the admin CLI and scripts use.
 */
const session = new Session(ADMIN_SESSION_ROUTES);
const api = createApi(session);

const LINKS = [
  { href: '/console', label: 'Tenants' },
  { href: '/console/plans', label: 'Plans' },
  { href: '/console/statistics', label: 'Statistics' },
  { href: '/console/costs', label: 'Costs' },
  { href: '/console/audit-log', label: 'Audit log' },
];

function App() {
  return (
    <LocationProvider scope="/console">
      <AuthGate session={session} signedOut={<LoginPage session={session} />}>
        <ConsoleContext.Provider value={{ api, session }}>
          <Layout
            product="Tenantry operator console"
            account="Platform admin"
            links={LINKS}
            onLogout={() => void session.logout()}
          >
            <Router>
              <Route path="/console" component={TenantsPage} />
              <Route path="/console/tenants/new" component={CreateTenantPage} />
              <Route path="/console/tenants/:id" component={TenantPage} />
              <Route path="/console/plans" component={PlansPage} />
              <Route path="/console/statistics" component={StatisticsPage} />
              <Route path="/console/costs" component={CostsPage} />
              <Route path="/console/audit-log" component={AuditPage} />
              <Route default component={NotFoundPage} />
            </Router>
          </Layout>
        </ConsoleContext.Provider>
      </AuthGate>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('root') as HTMLElement);
