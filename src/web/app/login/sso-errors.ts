/**
 * What /app/login?error=<code> says: the codes GET /auth/sso/callback and /auth/sso/start send
 * (src/auth/sso/sso-login.service.ts). Nothing of the IdP's own text reaches the page.
 */
const MESSAGES: Record<string, string> = {
  sso_unavailable:
    'Single sign-on is not available for this workspace. Sign in with your password, or ask your workspace owner.',
  sso_expired: 'The single sign-on attempt took too long or was already used. Start it again.',
  sso_denied: 'Your identity provider did not let you in (the sign-in was cancelled or refused).',
  sso_failed:
    'Single sign-on failed: the identity provider’s answer could not be checked. Try again, or ask your workspace owner.',
  sso_email_unverified:
    'Your identity provider has not verified your email address, so it cannot be used to sign in.',
  sso_user_disabled: 'Your account in this workspace is disabled. Ask your workspace owner.',
  sso_user_limit:
    'This workspace has reached its plan’s user limit, so no new account could be created for you. Ask your workspace owner.',
};

/** The message for an error code, or null for no (or an unknown) code. */
export function ssoErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return Object.prototype.hasOwnProperty.call(MESSAGES, code)
    ? MESSAGES[code]
    : 'Single sign-on failed. Try again.';
}
