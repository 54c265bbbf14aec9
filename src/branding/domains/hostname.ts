import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** The DNS limit on a whole name (RFC 1035), checked on the punycode form. */
export const MAX_HOSTNAME_LENGTH = 253;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A top-level label: letters (or punycode), never all digits, so no IPv4 form passes. */
const TOP_LABEL = /^(?=.*[a-z])[a-z0-9-]{2,63}$/;

export type HostnameCheck = { hostname: string } | { problem: string };

/**
 * A custom domain as the platform stores and compares it: lowercase, IDNA (UTS #46) to punycode
 * by Node's WHATWG URL implementation, without a trailing dot. Refused: IP addresses, names with
 * a scheme, port, path or wildcard, single labels, bad labels, over 253 characters, and the
 * platform's own domain or any name under it (those are the tenants' subdomains).
 */
export function normalizeCustomHostname(input: string, baseDomain: string): HostnameCheck {
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed === '') return { problem: 'hostname must not be empty' };
  if (isIP(trimmed) !== 0 || trimmed.startsWith('[')) {
    return { problem: 'hostname must be a DNS name, not an IP address' };
  }
  if (/[\s/:@?#*\\%]/.test(trimmed)) {
    return {
      problem:
        'hostname must be a bare DNS name such as analytics.example.com (no scheme, port, path or wildcard)',
    };
  }
  const ascii = domainToASCII(trimmed);
  if (ascii === '') return { problem: 'hostname is not a valid (internationalised) domain name' };
  if (isIP(ascii) !== 0) return { problem: 'hostname must be a DNS name, not an IP address' };
  if (ascii.length > MAX_HOSTNAME_LENGTH) {
    return {
      problem: `hostname must be at most ${MAX_HOSTNAME_LENGTH} characters in its punycode form`,
    };
  }
  const labels = ascii.split('.');
  if (labels.length < 2) {
    return { problem: 'hostname must have at least two labels, such as analytics.example.com' };
  }
  if (!labels.every((label) => LABEL.test(label)) || !TOP_LABEL.test(labels[labels.length - 1])) {
    return {
      problem:
        'each label of hostname must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen, and the last one not all digits',
    };
  }
  if (ascii === baseDomain || ascii.endsWith(`.${baseDomain}`)) {
    return {
      problem: `hostname must not be ${baseDomain} or a name under it (the platform's own)`,
    };
  }
  return { hostname: ascii };
}

/** The name of the TXT record that proves control of `hostname`. */
export function challengeRecordName(hostname: string): string {
  return `_tenantry-challenge.${hostname}`;
}

/** The value that TXT record must hold. */
export function challengeRecordValue(token: string): string {
  return `tenantry-verify=${token}`;
}
