import type { Middleware } from 'openapi-fetch';

type Listener = (message: string | null) => void;

/**
 * A suspended or deleted tenant: the API refuses every call with a 403 whose message says so
 * (src/tenancy/scope/tenant.resolver.ts). The workspace watches every answer for it and shows
 * that message in a banner on whatever page is open, rather than each page's generic error.
 */
export class TenantStatus {
  private message: string | null = null;
  private readonly listeners = new Set<Listener>();

  get current(): string | null {
    return this.message;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(message: string | null): void {
    if (message === this.message) return;
    this.message = message;
    for (const listener of this.listeners) listener(message);
  }

  /** openapi-fetch middleware: a 403 naming the tenant's status sets it; any 2xx clears it. */
  middleware(): Middleware {
    return {
      onResponse: async ({ response }) => {
        if (response.ok) {
          this.set(null);
        } else if (response.status === 403) {
          const body = (await response
            .clone()
            .json()
            .catch(() => ({}))) as { message?: unknown };
          if (typeof body.message === 'string' && isTenantStatusRefusal(body.message)) {
            this.set(body.message);
          }
        }
        return response;
      },
    };
  }
}

/** "Tenant acme is suspended; …" or "Tenant acme has been deleted". */
export function isTenantStatusRefusal(message: string): boolean {
  return /^Tenant \S+ (is suspended|has been deleted)/.test(message);
}
