import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * An origin a tenant allows to embed its dashboards: scheme, host and optional port, nothing
 * else (no path, query, wildcard or trailing slash), lowercase. https only, except plain http
 * for localhost and 127.0.0.1 (development). The value goes verbatim into the
 * Content-Security-Policy frame-ancestors list and into Access-Control-Allow-Origin, so this
 * shape is what keeps those headers well-formed: no space, semicolon or comma can get in.
 */
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EMBED_ORIGIN = new RegExp(
  `^(?:https://${HOST_LABEL}(?:\\.${HOST_LABEL})*|http://(?:localhost|127\\.0\\.0\\.1))(?::(?:[1-9][0-9]{0,4}))?$`,
);

export function isEmbedOrigin(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 253 || !EMBED_ORIGIN.test(value)) return false;
  const port = /:(\d+)$/.exec(value)?.[1];
  return port === undefined || Number(port) <= 65535;
}

export const EMBED_ORIGIN_MESSAGE =
  'each embed origin must be https://host[:port] (lowercase, no path or trailing slash), or http://localhost / http://127.0.0.1 for development';

export function IsEmbedOrigin(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEmbedOrigin',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: EMBED_ORIGIN_MESSAGE, ...options },
      validator: { validate: (value: unknown) => isEmbedOrigin(value) },
    });
}
