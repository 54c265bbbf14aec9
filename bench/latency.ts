import { Agent, request } from 'node:http';

export interface LatencySummary {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The p-th percentile (0-100, nearest rank) of samples sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Latency samples in milliseconds, in any order, summarised (at least one sample). */
export function summariseLatency(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    requests: samples.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
    max: sorted[sorted.length - 1],
  };
}

/**
 * Sequential requests on one keep-alive connection, each timed with hrtime: per-request latency
 * in milliseconds at sub-millisecond resolution (autocannon's histogram rounds to whole ms).
 */
export async function measureLatency(
  url: string,
  headers: Record<string, string>,
  options: { warmup: number; requests: number; onProgress?: (done: number) => void },
): Promise<LatencySummary> {
  for (let i = 0; i < options.warmup; i++) {
    const status = await get(url, headers);
    if (status !== 200) throw new Error(`${url} answered ${status} during warm-up`);
  }
  const samples: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const start = process.hrtime.bigint();
    const status = await get(url, headers);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
    if (options.onProgress && i % 500 === 0) options.onProgress(i);
  }
  return summariseLatency(samples);
}
