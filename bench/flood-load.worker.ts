import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { generateEvent } from '../src/cli/event-generator';

/**
 * The flood bench's load, on a thread of its own: one tenant sending 500-event requests as fast
 * as the app takes them (`floodConcurrency` in flight), and quiet tenants each sending
 * `quietEventsPerSecond` in 2 requests a second, for `seconds`.
 */
export interface FloodOrder {
  url: string;
  floodKey: string;
  floodConcurrency: number;
  quietKeys: string[];
  quietEventsPerSecond: number;
  seconds: number;
  /** Makes this run's event ids its own (two runs never share one). */
  runId: number;
}

export interface FloodOutcome {
  floodAccepted: number;
  floodRefused: number;
  quietAccepted: number;
  quietRefused: number;
  /** Refused requests by status (0: no answer). */
  refusedStatuses: Record<string, number>;
  startedAt: number;
  endedAt: number;
}

const FLOOD_BATCH = 500;
const QUIET_TICKS_PER_SECOND = 2;
const agent = new Agent({ keepAlive: true, maxSockets: 128 });

function post(url: string, key: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/events`,
      {
        method: 'POST',
        agent,
        headers: {
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
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * Request bodies from one template: the events are built once and each body only gets fresh
 * event ids (a counter in the id), so the load thread spends its time sending, not building.
 */
function bodyMaker(size: number, runId: number, lane: number): () => string {
  const events = Array.from({ length: size }, (_, i) => ({
    ...generateEvent(5000, 600_000),
    event_id: `@@@@@@@@-${lane.toString(16).padStart(4, '0')}-4000-8${(runId % 4096).toString(16).padStart(3, '0')}-${i.toString(16).padStart(12, '0')}`,
  }));
  const parts = JSON.stringify({ events }).split('@@@@@@@@');
  let sequence = 0;
  return () => parts.join((sequence++).toString(16).padStart(8, '0'));
}

async function run(order: FloodOrder): Promise<FloodOutcome> {
  const outcome: FloodOutcome = {
    floodAccepted: 0,
    floodRefused: 0,
    quietAccepted: 0,
    quietRefused: 0,
    refusedStatuses: {},
    startedAt: Date.now(),
    endedAt: 0,
  };
  const deadline = outcome.startedAt + order.seconds * 1000;
  const flood = async (lane: number) => {
    const next = bodyMaker(FLOOD_BATCH, order.runId, lane);
    while (Date.now() < deadline) {
      const status = await post(order.url, order.floodKey, next());
      if (status === 202) outcome.floodAccepted += FLOOD_BATCH;
      else {
        outcome.floodRefused += FLOOD_BATCH;
        outcome.refusedStatuses[status] = (outcome.refusedStatuses[status] ?? 0) + 1;
      }
    }
  };
  const perTick = Math.max(1, Math.round(order.quietEventsPerSecond / QUIET_TICKS_PER_SECOND));
  const quiet = async (key: string, lane: number) => {
    const next = bodyMaker(perTick, order.runId, lane);
    // Each tenant starts at its own offset in the tick, as independent clients would.
    let due = outcome.startedAt + Math.random() * (1000 / QUIET_TICKS_PER_SECOND);
    const sending: Promise<void>[] = [];
    while (due < deadline) {
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sending.push(
        post(order.url, key, next()).then((status) => {
          if (status === 202) outcome.quietAccepted += perTick;
          else {
            outcome.quietRefused += perTick;
            outcome.refusedStatuses[status] = (outcome.refusedStatuses[status] ?? 0) + 1;
          }
        }),
      );
      due += 1000 / QUIET_TICKS_PER_SECOND;
    }
    await Promise.all(sending);
  };
  await Promise.all([
    ...Array.from({ length: order.floodConcurrency }, (_, lane) => flood(lane)),
    ...order.quietKeys.map((key, i) => quiet(key, 1000 + i)),
  ]);
  outcome.endedAt = Date.now();
  return outcome;
}

if (parentPort && workerData) {
  run(workerData as FloodOrder).then(
    (result) => parentPort!.postMessage({ done: result }),
    (error: unknown) => parentPort!.postMessage({ error: String(error) }),
  );
}
