/**
 * What a guest token says, beyond iss/aud/exp/iat/jti: whose dashboard, which one, for whom, and
 * the property filters every data request made with it must carry.
 */
export interface GuestTokenClaims {
  tenant_id: string;
  dashboard_id: string;
  /** The tenant's own user the dashboard is shown to (an email or the tenant's id for them). */
  embed_user: { email: string } | { id: string };
  /** property key → value, forced on every widget query (empty: none). */
  filters: Record<string, string>;
  exp: number;
  /** Random per token (a UUID); tokens without one are refused. */
  jti: string;
}

/** Why an embed request is refused: each has its status and a message a person can act on. */
export type EmbedRefusalReason =
  | 'missing'
  | 'invalid'
  | 'expired'
  | 'other_dashboard'
  | 'other_host'
  | 'not_found'
  | 'unavailable';

const REFUSALS: Record<EmbedRefusalReason, { status: number; message: string }> = {
  missing: { status: 401, message: 'This dashboard link has no access token.' },
  invalid: { status: 401, message: 'This dashboard link is not valid.' },
  expired: {
    status: 401,
    message:
      'This dashboard link has expired. Reload the page in the application that shows it to get a new one.',
  },
  other_dashboard: {
    status: 403,
    message: 'This dashboard link was issued for another dashboard.',
  },
  other_host: {
    status: 403,
    message:
      'This dashboard link belongs to another organisation than the one this address serves.',
  },
  not_found: { status: 404, message: 'This dashboard does not exist or is no longer available.' },
  unavailable: { status: 403, message: 'This dashboard is currently unavailable.' },
};

/** Thrown by EmbedAccessService; the page answers it as HTML, the data route as JSON. */
export class EmbedRefusal extends Error {
  readonly status: number;

  constructor(readonly reason: EmbedRefusalReason) {
    super(REFUSALS[reason].message);
    this.status = REFUSALS[reason].status;
  }
}
