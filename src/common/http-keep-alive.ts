import type { Server } from 'node:http';

/**
 * Keeps idle keep-alive connections open for `seconds` (HTTP_KEEP_ALIVE_SECONDS). A connection
 * must be closed by the client side first: when the server closes it while a request is on its
 * way, that request fails with ECONNRESET (behind a load balancer, a 502). Node's default of 5 s
 * is shorter than the idle timeout balancers keep; headers must still arrive within
 * headersTimeout (60 s), which counts from a request's first byte, not from idle time.
 */
export function keepIdleConnectionsOpen(server: Server, seconds: number): void {
  server.keepAliveTimeout = seconds * 1000;
}
