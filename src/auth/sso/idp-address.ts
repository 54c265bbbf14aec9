import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses an identity provider may not have in production: loopback, private networks,
 * link-local (the cloud metadata service at 169.254.169.254), carrier-grade NAT, multicast and
 * reserved ranges. An issuer URL is the tenant's to choose, and its discovery document names the
 * token and JWKS endpoints the server then calls, so without this check a tenant could make the
 * platform send requests into its own network (SSRF).
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family !== 6) return false;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1], 'ipv4');
  return INTERNAL.check(address, 'ipv6');
}

export class IdpAddressRefusedError extends Error {
  constructor(readonly hostname: string) {
    super(`the identity provider's host ${hostname} is on an internal network address`);
  }
}

/**
 * Throws when the host is, or resolves to, an internal address. Every address the name has is
 * checked, so a name with one public and one internal address is refused too. (A name that
 * changes its answer between this lookup and fetch's own could still slip through; the deadline
 * and size cap bound what such a request can do.)
 */
export async function refuseInternalHost(hostname: string): Promise<void> {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(bare)
    ? [bare]
    : (await lookup(bare, { all: true, verbatim: true })).map((entry) => entry.address);
  if (addresses.some(isInternalAddress)) throw new IdpAddressRefusedError(bare);
}
