// A real OpenID Provider (npm oidc-provider) for the SSO tests, run as a child process because
// oidc-provider ships ES modules only. One argument, JSON:
//   { clientId, clientSecret, redirectUris, emailInIdToken, otherClients? }
// (otherClients: more { clientId, clientSecret } on the same provider, as a shared IdP has).
// It listens on a free port and prints one line, {"issuer":"http://localhost:<port>"}.
// The login form (devInteractions) takes any login and password: the login becomes the account
// id and its email; a login starting with "unverified" has email_verified false.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = createServer();
await new Promise((resolve) => server.listen(0, resolve));
const { port } = server.address();
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [{ clientId: options.clientId, clientSecret: options.clientSecret }, ...(options.otherClients ?? [])].map(
    (client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: options.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  ),
  // PKCE for every client, confidential ones too.
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // false: the email claims travel in the ID token; true (the default): only from userinfo.
  conformIdTokenClaims: !options.emailInIdToken,
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: id, email_verified: !id.startsWith('unverified') }),
  }),
  cookies: {
    keys: [`sso-test-provider-${port}`],
    // Cookies ignore ports: names of this provider's own, so two on one host do not mix.
    names: {
      session: `_session_${port}`,
      interaction: `_interaction_${port}`,
      resume: `_interaction_resume_${port}`,
    },
  },
  features: { devInteractions: { enabled: true } },
});
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
