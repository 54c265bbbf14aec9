import type { Middleware } from 'openapi-fetch';
import { createTenantryClient, type TenantryClient } from '../../api-client';
import type { Session } from './session';

/**
 * The consoles' API client: openapi-fetch typed by src/api-client/schema.d.ts, generated from the
 * OpenAPI document (`npm run openapi`), so a renamed route or field fails the type-check. Every
 * request carries the session's access token; a 401 refreshes once and retries, and a second
 * 401 ends the session (the console shows its login page).
 */
export function createApi(session: Session): TenantryClient {
  const client = createTenantryClient(window.location.origin);
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await session.token();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ request, response }) {
      if (response.status !== 401 || !session.signedIn) return response;
      if (!(await session.refresh())) return response;
      const token = await session.token();
      const again = new Request(request, { headers: new Headers(request.headers) });
      if (token) again.headers.set('Authorization', `Bearer ${token}`);
      const second = await fetch(again);
      if (second.status === 401) session.clear();
      return second;
    },
  };
  client.use(auth);
  return client;
}

/** An API refusal as the consoles show it: the message, and the field it names, if any. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Every field problem of a 400, for forms that mark each field. */
    readonly fields: Record<string, string>,
    /** A 403 for a feature the tenant's plan lacks: the feature, the plan, the plans that include it. */
    readonly planFeature?: { feature: string; plan: string; plans: string[] },
  ) {
    super(message);
  }

  /** The first field the API named, if any. */
  get field(): string | undefined {
    return Object.keys(this.fields)[0];
  }
}

export function problemOf(status: number, body: unknown): ApiProblem {
  const value = (body ?? {}) as {
    message?: unknown;
    errors?: { field?: unknown; message?: unknown }[];
  };
  const fields: Record<string, string> = {};
  for (const error of Array.isArray(value.errors) ? value.errors : []) {
    if (typeof error.field === 'string' && typeof error.message === 'string') {
      fields[error.field] ??= error.message;
    }
  }
  const message = Array.isArray(value.message)
    ? value.message.join('; ')
    : typeof value.message === 'string'
      ? value.message
      : `The request failed (HTTP ${status})`;
  const { feature, plan, plans } = value as { feature?: unknown; plan?: unknown; plans?: unknown };
  const planFeature =
    status === 403 &&
    typeof feature === 'string' &&
    typeof plan === 'string' &&
    Array.isArray(plans)
      ? { feature, plan, plans: plans.filter((code): code is string => typeof code === 'string') }
      : undefined;
  return new ApiProblem(status, message, fields, planFeature);
}

/**
 * Unwraps an openapi-fetch answer: its data, or throws the API's problem so a page shows it.
 * `await call(api.GET('/v1/users', {...}))`.
 */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok || data === undefined) {
    if (response.ok && response.status === 204) return undefined as T;
    throw problemOf(response.status, error);
  }
  return data;
}

export function isProblem(value: unknown): value is ApiProblem {
  return value instanceof ApiProblem;
}
