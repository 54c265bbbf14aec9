import type { JwtSignOptions } from '@nestjs/jwt';

/**
 * Token lifetimes, lockout and the claims that tell token kinds apart. Access tokens name who
 * issued them and what they are for, so another kind of token signed with the same secret (a
 * guest embed token, an admin token on a tenant route) is never taken for the wrong one.
 */
export const ACCESS_TOKEN_ISSUER = 'tenantry';
export const ACCESS_TOKEN_AUDIENCE = 'tenantry-api';
/** Platform admin tokens: accepted only where platform credentials are. */
export const ADMIN_TOKEN_AUDIENCE = 'tenantry-admin';
/**
 * Guest tokens for embedded dashboards (src/analytics/embed): accepted only by the /embed
 * routes, for one tenant's one dashboard. CredentialsService pins the two audiences above, so
 * every tenant and admin route refuses them.
 */
export const EMBED_TOKEN_AUDIENCE = 'embed';
export const GUEST_TOKEN_SECONDS = 5 * 60;

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;
/**
 * An operator's console session: at most 12 hours from the password login, however often it
 * refreshes (rotation never extends it). An admin token opens every tenant, so a stolen cookie
 * must die within a working day, and an operator types the password at least once a day.
 */
export const ADMIN_REFRESH_TOKEN_SECONDS = 12 * 3600;
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_SECONDS = 15 * 60;
/**
 * How long the login attempts that fill an account's last slot may take to settle (argon2 takes
 * well under a second). Until then the account is held as if locked; if they never settle (the
 * process died, the settle's transaction failed), the hold lapses instead of lasting forever.
 */
export const LOGIN_CLAIM_SECONDS = 60;

/** How every tenant access token is signed (login, the demo seeder, tests, benchmarks). */
export function accessTokenSignOptions(expiresIn?: JwtSignOptions['expiresIn']): JwtSignOptions {
  return {
    algorithm: 'HS256',
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  };
}
