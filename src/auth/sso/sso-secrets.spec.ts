import { randomBytes, randomUUID } from 'node:crypto';
import { issuerProblem } from './oidc-http';
import { isSafeReturnTo, openState, sealState, stateKey } from './sso-login-state';
import { openSecret, sealSecret, secretReferenceFor } from './sso-secrets';

describe('SSO secrets at rest', () => {
  const key = randomBytes(32);
  const tenant = randomUUID();

  it('opens what it sealed, for that tenant and key only', () => {
    const sealed = sealSecret(key, tenant, 'the client secret');
    expect(sealed).not.toContain('the client secret');
    expect(openSecret(key, tenant, sealed)).toBe('the client secret');
    expect(openSecret(key, randomUUID(), sealed)).toBeNull();
    expect(openSecret(randomBytes(32), tenant, sealed)).toBeNull();
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = body.slice(0, -2) + (body.at(-2) === 'A' ? 'B' : 'A') + body.at(-1);
    expect(openSecret(key, tenant, [version, iv, tag, flipped].join('.'))).toBeNull();
    expect(openSecret(key, tenant, 'not sealed')).toBeNull();
  });

  it("names the tenant's own variable only", () => {
    expect(secretReferenceFor('acme-eu-2')).toBe('env:SSO_CLIENT_SECRET_ACME_EU_2');
  });
});

describe('SSO login state cookie', () => {
  const key = stateKey('a-jwt-secret-that-is-long-enough-for-this');
  const state = {
    tenantId: randomUUID(),
    state: 's'.repeat(43),
    nonce: 'n'.repeat(43),
    codeVerifier: 'v'.repeat(43),
    redirectUri: 'https://acme.example/auth/sso/callback',
    returnTo: '/app/',
    expiresAt: Date.now() + 60_000,
  };

  it('opens an untouched, unexpired cookie of its own key, and nothing else', () => {
    const sealed = sealState(key, state);
    expect(openState(key, sealed)).toEqual(state);
    expect(openState(stateKey('another-secret-that-is-long-enough-too'), sealed)).toBeNull();
    const flipped = sealed.slice(0, 30) + (sealed[30] === 'A' ? 'B' : 'A') + sealed.slice(31);
    expect(openState(key, flipped)).toBeNull();
    expect(openState(key, sealState(key, { ...state, expiresAt: Date.now() - 1 }))).toBeNull();
    expect(openState(key, undefined)).toBeNull();
    expect(openState(key, 'x'.repeat(5000))).toBeNull();
  });

  it('returns only to paths under /app/', () => {
    for (const ok of ['/app/', '/app/dashboards', '/app/x?y=1&z=%20'])
      expect(isSafeReturnTo(ok)).toBe(true);
    for (const bad of [
      '/',
      '//evil.example',
      '/app',
      '/app//evil',
      '/app/../x',
      '/app/./x',
      '/app/%2F%2Fevil',
      '/app/\\evil',
      'https://x/app/',
      '/app/a b',
    ])
      expect([bad, isSafeReturnTo(bad)]).toEqual([bad, false]);
  });
});

describe('issuer URLs', () => {
  it('takes https, and plain http only for a loopback host when allowed', () => {
    expect(issuerProblem('https://login.acme.example', false)).toBeNull();
    expect(issuerProblem('https://login.acme.example/tenant/1', false)).toBeNull();
    expect(issuerProblem('http://localhost:4000', true)).toBeNull();
    expect(issuerProblem('http://127.0.0.1:4000', true)).toBeNull();
    expect(issuerProblem('http://localhost:4000', false)).not.toBeNull();
    expect(issuerProblem('http://login.acme.example', true)).not.toBeNull();
    expect(issuerProblem('http://localhost.evil.example', true)).not.toBeNull();
    expect(issuerProblem('https://user:pw@login.acme.example', false)).not.toBeNull();
    expect(issuerProblem('https://login.acme.example/?a=1', false)).not.toBeNull();
    expect(issuerProblem('https://login.acme.example/#x', false)).not.toBeNull();
    expect(issuerProblem('not a url', false)).not.toBeNull();
  });
});
