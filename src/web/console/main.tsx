import { render } from 'preact';
import { LocationProvider, Route, Router } from 'preact-iso';
import { createApi } from '../shared/api';
import { AuthGate } from '../shared/auth-gate';
import { ADMIN_SESSION_ROUTES, Session } from '../shared/session';
import { Layout } from '../shared/ui/layout';
import { ConsoleContext } from './console';
import { LoginPage } from './pages/login-page';
import { TenantsPage } from './pages/tenants-page';
import '../shared/styles.css';

/**
 * The operator console at /console: platform admins run tenants, plans and the platform through
 * the same /admin API the admin CLI and scripts use.
 */
const session = new Session(ADMIN_SESSION_ROUTES);
const api = createApi(session);

const LINKS = [{ href: '/console', label: 'Tenants' }];

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
              <Route default component={TenantsPage} />
            </Router>
          </Layout>
        </ConsoleContext.Provider>
      </AuthGate>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('root') as HTMLElement);
