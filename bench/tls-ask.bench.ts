import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { createBenchTenant, prepareBenchDatabase, startBenchApp } from './bench-app';

interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface HostLookupResult {
  connections: number;
  seconds: number;
  askKnown: LoadFigures;
  askUnknown: LoadFigures;
  apiFixedHost: LoadFigures;
  apiRandomHost: LoadFigures;
}

/**
 * What custom-domain Host resolution costs, and whether /tls/ask is safe to hammer:
 * - GET /tls/ask for one known name (every answer from the in-process cache), and for a new
 *   made-up name on every request (each a cache miss: one indexed database lookup);
 * - GET /v1/settings with one Host, and with a new made-up Host on every request (the tenant
 *   resolver looks each up as a possible custom domain).
 */
export async function benchHostLookup(log: (line: string) => void): Promise<HostLookupResult> {
  const secrets = await prepareBenchDatabase('hosts_bench', log, { TENANT_RATE_LIMIT_PER_MINUTE: 'off' });
  const app = await startBenchApp();
  const url = await app.getUrl();
  try {
    const tenant = await createBenchTenant(url, secrets, {
      name: 'Bench Hosts',
      slug: 'bench-hosts',
      owner_email: 'hosts@bench.example',
    });
    const connections = 16;
    const seconds = Number(process.env.BENCH_SECONDS ?? 5);
    const baseDomain = process.env.BASE_DOMAIN ?? 'tenantry.localhost';
    const made = () => `${randomBytes(8).toString('hex')}.example.org`;
    const run = async (
      label: string,
      options: {
        path: string;
        headers?: Record<string, string>;
        randomHost?: boolean;
        randomAsk?: boolean;
      },
    ): Promise<LoadFigures> => {
      log(`${label}: ${connections} connections for ${seconds}s`);
      const result = await autocannon({
        url: `${url}${options.path}`,
        connections,
        duration: seconds,
        headers: options.headers,
        requests: [
          {
            setupRequest: (request) => {
              if (options.randomAsk) return { ...request, path: `/tls/ask?domain=${made()}` };
              if (options.randomHost) {
                return { ...request, headers: { ...request.headers, host: made() } };
              }
              return request;
            },
          },
        ],
      });
      return {
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      };
    };
    const auth = { Authorization: `Bearer ${tenant.ownerToken}` };
    return {
      connections,
      seconds,
      askKnown: await run('GET /tls/ask, one known name', {
        path: `/tls/ask?domain=bench-hosts.${baseDomain}`,
      }),
      askUnknown: await run('GET /tls/ask, a new unknown name each request', {
        path: '/tls/ask?domain=x.example.org',
        randomAsk: true,
      }),
      apiFixedHost: await run('GET /v1/settings, one Host', {
        path: '/v1/settings',
        headers: auth,
      }),
      apiRandomHost: await run('GET /v1/settings, a new Host each request', {
        path: '/v1/settings',
        headers: auth,
        randomHost: true,
      }),
    };
  } finally {
    await app.close();
    secrets.restoreEnvironment();
  }
}

export function printHostLookup(result: HostLookupResult): void {
  console.log(
    `\nHost resolution and /tls/ask (${result.connections} connections, ${result.seconds}s each)`,
  );
  console.log(
    `${'case'.padEnd(48)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'non-2xx'.padStart(8)}`,
  );
  const rows: [string, LoadFigures][] = [
    ['GET /tls/ask, one known name (cached)', result.askKnown],
    ['GET /tls/ask, new unknown name each (404s)', result.askUnknown],
    ['GET /v1/settings, one Host', result.apiFixedHost],
    ['GET /v1/settings, new Host each request', result.apiRandomHost],
  ];
  for (const [label, f] of rows) {
    console.log(
      `${label.padEnd(48)} ${f.requestsPerSecond.toFixed(0).padStart(8)} ${String(f.p50Ms).padStart(7)} ${String(f.p99Ms).padStart(7)} ${String(f.non2xx + f.errors).padStart(8)}`,
    );
  }
}
