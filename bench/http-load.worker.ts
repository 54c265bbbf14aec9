import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { generateEvent } from '../src/cli/event-generator';

/**
 * The HTTP load for the ingestion bench, on a thread of its own so building and sending requests
 * does not take the app's event loop (in production the load comes from other machines).
 */
export interface LoadOrder {
  url: string;
  keys: string[];
  events: number;
  batch: number;
  concurrency: number;
  /** Events per second to pace at; 0 for as fast as it goes. */
  rate: number;
  /** `GET <path>` instead of POST /v1/events (a baseline route; `events` counts requests). */
  get?: string;
}

/** What a load reports when every request was answered. */
export interface LoadDone {
  requests: number;
  failures: number;
  sentAt: number;
  finishedAt: number;
  p50Ms: number;
  p99Ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(url: string, key: string, body: string | null, path = '/v1/events'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: body === null ? 'GET' : 'POST',
        agent,
        headers:
          body === null
            ? { 'X-API-Key': key }
            : {
                'Content-Type': 'application/json',
                'X-API-Key': key,
                'Content-Length': Buffer.byteLength(body),
              },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(order: LoadOrder): Promise<LoadDone> {
  // Bodies first, so the clock measures sending only.
  const bodies = Array.from({ length: Math.ceil(order.events / order.batch) }, (_, i) => ({
    key: order.keys[i % order.keys.length],
    body: order.get
      ? null
      : JSON.stringify({
          events: Array.from({ length: order.batch }, () => generateEvent(5000, 3600_000)),
        }),
  }));
  const took = new Float64Array(bodies.length);
  parentPort!.postMessage({ ready: true });
  const started = Date.now();
  const paceMs = order.rate > 0 ? (order.batch / order.rate) * 1000 : 0;
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const index = next++;
      if (paceMs > 0) {
        const wait = started + index * paceMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const sent = performance.now();
      const status = await send(order.url, bodies[index].key, bodies[index].body, order.get);
      took[index] = performance.now() - sent;
      if (status !== (order.get ? 200 : 202)) failures++;
    }
  };
  await Promise.all(Array.from({ length: order.concurrency }, worker));
  const finishedAt = Date.now();
  took.sort();
  const at = (p: number) => took[Math.min(took.length - 1, Math.floor(p * took.length))] ?? 0;
  return {
    requests: bodies.length,
    failures,
    sentAt: started,
    finishedAt,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

if (parentPort && workerData) {
  run(workerData as LoadOrder).then(
    (result) => parentPort!.postMessage({ done: result }),
    (error: unknown) => parentPort!.postMessage({ error: String(error) }),
  );
}
