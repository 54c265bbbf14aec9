import { isIP } from 'node:net';

/** The longest DNS name; a longer Host is nobody's and is not looked up. */
const MAX_HOST_LENGTH = 253;
const HOST_NAME = /^[a-z0-9.-]+$/;

/**
 * The hostname a Host header (or a proxy's `domain` question) names: lowercase, without port or
 * trailing dot; undefined for anything that cannot be a DNS name (an IP address, odd
 * characters, over 253 characters), so it is never looked up.
 */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host || host.length > MAX_HOST_LENGTH + 7) return undefined;
  const hostname = host
    .trim()
    .toLowerCase()
    .replace(/:\d{1,5}$/, '')
    .replace(/\.$/, '');
  if (
    hostname === '' ||
    hostname.length > MAX_HOST_LENGTH ||
    !HOST_NAME.test(hostname) ||
    isIP(hostname) !== 0
  ) {
    return undefined;
  }
  return hostname;
}
