import { useEffect, useState } from 'preact/hooks';
import type { Schemas, TenantryClient } from '../../../api-client';

export type LoginOptions = Schemas['LoginOptionsResponse'];

/**
 * GET /auth/login-options for the workspace typed (or, empty, for the host's own tenant), asked
 * again 300 ms after the reader stops typing; only the newest answer counts. A failed call
 * offers the password form, as for a tenant without SSO.
 */
export function useLoginOptions(api: TenantryClient, tenant: string): LoginOptions | undefined {
  const [answer, setAnswer] = useState<{ tenant: string; options: LoginOptions } | undefined>();
  useEffect(() => {
    let current = true;
    const settle = (options: LoginOptions) => current && setAnswer({ tenant, options });
    const timer = setTimeout(
      () => {
        void api.GET('/auth/login-options', { params: { query: tenant ? { tenant } : {} } }).then(
          ({ data }) => settle(data ?? { password_login: true, sso: false }),
          () => settle({ password_login: true, sso: false }),
        );
      },
      answer ? 300 : 0,
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, tenant]);
  if (!answer) return undefined;
  // While another workspace is being typed, no SSO link leads to the previous one's IdP.
  return answer.tenant === tenant ? answer.options : { ...answer.options, sso: false };
}

/** Where the SSO button leads: the start URL with the page the reader wanted to come back to. */
export function ssoHref(startUrl: string, returnTo: string): string {
  const url = new URL(startUrl, window.location.origin);
  url.searchParams.set('return_to', returnTo);
  return `${url.pathname}${url.search}`;
}

/** The workspace page to come back to after SSO: the one asked for, never the login page itself. */
export function wantedPage(): string {
  const path = window.location.pathname;
  return path.startsWith('/app/') && path !== '/app/login' && path !== '/app/set-password'
    ? path
    : '/app/';
}
