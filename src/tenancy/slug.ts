/** A slug is one DNS label: it becomes the tenant's subdomain. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Labels the platform itself answers on; a tenant may not take them. */
export const RESERVED_SLUGS = new Set(['www', 'api', 'admin', 'app', 'docs', 'embed', 'static']);

/** The tenant slug a Host header addresses under `baseDomain`, if any. */
export function slugFromHost(host: string | undefined, baseDomain: string): string | undefined {
  if (!host) return undefined;
  const hostname = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const label = hostname.slice(0, -suffix.length);
  return SLUG_PATTERN.test(label) && !RESERVED_SLUGS.has(label) ? label : undefined;
}
