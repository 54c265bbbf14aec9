import { stdSerializers } from 'pino';

export const REDACTED = '[redacted]';

/**
 * Query parameter names whose values are credentials: guest tokens travel as `?token=` on the
 * embed page, and a client may put any key or password in a URL by mistake. Compared after
 * lower-casing and turning `-` into `_`.
 */
const CREDENTIAL_NAME =
  /^(token|access_token|refresh_token|id_token|guest_token|api_key|apikey|x_api_key|key|password|passwd|pwd|pass|secret|client_secret|signature|sig|jwt|auth|authorization|code|session|session_id|sessionid|credential|credentials)$|_(token|secret|password|api_key|apikey)$/;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name.toLowerCase().replace(/-/g, '_'));
}

/**
 * A request URL (path and query, as Express's originalUrl) with the values of credential
 * parameters replaced. URLSearchParams decodes the names (so `%74oken=` is caught too); only a
 * URL that carries a credential is re-serialised, every other URL is logged byte for byte.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const pairs = [...new URLSearchParams(url.slice(start + 1))];
  if (!pairs.some(([name]) => isCredentialName(name))) return url;
  const redacted = pairs.map(([name, value]): [string, string] => [
    name,
    isCredentialName(name) ? REDACTED : value,
  ]);
  return `${url.slice(0, start)}?${new URLSearchParams(redacted).toString()}`;
}

/** `name=value` after `?`, `&` or `;` in free text, and the password in `scheme://user:pass@`. */
const QUERY_PAIR = /([?&;])([^=&;\s#?"'<>]+)=([^&;\s#"'<>]*)/g;
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/@]+)@/gi;

/**
 * The same for URLs inside free text (an error message or stack that quotes a request line or a
 * connection string): the shape of a URL is all there is to go on there.
 */
export function redactUrlsInText(text: string): string {
  return text
    .replace(QUERY_PAIR, (pair: string, separator: string, name: string) =>
      isCredentialName(safeDecode(name)) ? `${separator}${name}=${REDACTED}` : pair,
    )
    .replace(USERINFO_PASSWORD, `$1${REDACTED}@`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** pino's own error serializer, then credentials in URLs of its message and stack redacted. */
export function redactingErrorSerializer(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const field of ['message', 'stack'] as const) {
    const value = serialized[field];
    if (typeof value === 'string') serialized[field] = redactUrlsInText(value);
  }
  return serialized;
}
