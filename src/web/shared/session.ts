/**
 * A console's login session. The access token lives only in this object's memory (never in
 * localStorage, where any injected script could read it); the refresh token is an httpOnly,
 * SameSite=Strict cookie scoped to the auth routes (src/auth/login/refresh-cookie.ts), which this
 * code never sees. A reload restores the session through the cookie; logout revokes it on the
 * server and clears both.
 */
export interface SessionRoutes {
  login: string;
  refresh: string;
  logout: string;
}

export const TENANT_SESSION_ROUTES: SessionRoutes = {
  login: '/auth/login',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
};

/** The operator console's routes: the admin refresh cookie is scoped to /auth/admin. */
export const ADMIN_SESSION_ROUTES: SessionRoutes = {
  login: '/auth/admin/login',
  refresh: '/auth/admin/refresh',
  logout: '/auth/admin/logout',
};

interface TokenAnswer {
  access_token: string;
  expires_in: number;
}

/** A refusal of the auth routes, with the API's own message (and field, when one was named). */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Listener = (signedIn: boolean) => void;

/** Refresh this long before the access token expires, so a request never carries a dead one. */
const REFRESH_MARGIN_MS = 60_000;

export class Session {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly routes: SessionRoutes) {}

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Password login; the body is the login route's (tenant, email, password for /app). */
  async login(body: Record<string, unknown>): Promise<void> {
    const answer = await post(this.routes.login, { ...body, refresh_cookie: true });
    this.accept((await answer.json()) as TokenAnswer);
  }

  /** At start: is there a refresh cookie that still works? */
  restore(): Promise<boolean> {
    return this.refresh();
  }

  /** A token for the next request, refreshed first when it is about to expire. */
  async token(): Promise<string | null> {
    if (this.accessToken && Date.now() < this.expiresAt - REFRESH_MARGIN_MS) {
      return this.accessToken;
    }
    if (!this.accessToken) return null;
    return (await this.refresh()) ? this.accessToken : null;
  }

  /** One refresh at a time: concurrent callers share it (the cookie rotates on every use). */
  refresh(): Promise<boolean> {
    this.refreshing ??= post(this.routes.refresh, {})
      .then(async (answer) => {
        this.accept((await answer.json()) as TokenAnswer);
        return true;
      })
      .catch(() => {
        this.clear();
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  async logout(): Promise<void> {
    await post(this.routes.logout, {}).catch(() => undefined);
    this.clear();
  }

  /** The server no longer accepts this session (a 401 after a refresh): back to the login page. */
  clear(): void {
    const was = this.signedIn;
    this.accessToken = null;
    this.expiresAt = 0;
    if (was) this.notify();
  }

  private accept(answer: TokenAnswer): void {
    const was = this.signedIn;
    this.accessToken = answer.access_token;
    this.expiresAt = Date.now() + answer.expires_in * 1000;
    if (!was) this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.signedIn);
  }
}

async function post(path: string, body: unknown): Promise<Response> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as {
      message?: unknown;
      errors?: { field: string; message: string }[];
    };
    const first = problem.errors?.[0];
    throw new AuthError(
      first?.message ??
        (typeof problem.message === 'string' ? problem.message : `Request failed (${response.status})`),
      response.status,
      first?.field,
    );
  }
  return response;
}
