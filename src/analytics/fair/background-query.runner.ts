import { Injectable } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import { QueryTurnExpiredException } from './query-turn-expired.exception';

/** How one background query waits for its turn. */
export interface TurnWait {
  /** The request's signal: a query whose client left while waiting never starts. */
  signal?: AbortSignal;
  /** The tenant's time per query: waiting longer for a turn answers 503 instead. */
  maxWaitSeconds: number;
}

/** A query waiting for its turn. */
interface Waiter {
  start(): void;
}

/**
 * The stores' fair share (PostgreSQL has no query priorities, and ClickHouse's pause a
 * low-priority query only between blocks): background analytics queries (a tenant's 2nd and
 * later at once, and every funnel and retention) take turns,
 * ANALYTICS_BACKGROUND_QUERIES at a time in this app copy, round robin between tenants:
 * each tenant has its own queue (first come first served within it), and a freed turn goes to
 * the next tenant in rotation, so a tenant with 8 funnels queued delays another's single one by
 * at most one of them. A query that waited longer than its tenant's time per query answers 503
 * (`analytics_query_seconds`) and never starts; one whose client left never starts either. A
 * tenant's only light query never waits here. A waiting query holds its tenant's slot but no
 * connection, so the pool stays free for others.
 */
@Injectable()
export class BackgroundQueryRunner {
  private readonly turns: number;
  private running = 0;
  private queued = 0;
  /** Each tenant with a query waiting: its queue; the map's order is the rotation. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(config: ConfigService<Environment, true>) {
    this.turns = config.get('ANALYTICS_BACKGROUND_QUERIES', { infer: true });
  }

  /** Runs the tenant's `work` in its turn, or rejects unstarted (deadline, client gone). */
  run<T>(tenantId: string, wait: TurnWait, work: () => Promise<T>): Promise<T> {
    const { signal, maxWaitSeconds } = wait;
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const stopWaiting = () => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      // A waiter is started from whatever finished before it (another request's query), so it
      // must run in its own request's async context, not that one's: the tenant scope, the
      // request's signal and limits all live there. Unbound, a query joined the other request's
      // tenant transaction and failed once that one committed (or met another tenant's scope).
      const ownContext = AsyncResource.bind(work);
      const waiter: Waiter = {
        start: () => {
          stopWaiting();
          this.running += 1;
          void Promise.resolve()
            .then(ownContext)
            .then(resolve, reject)
            .finally(() => {
              this.running -= 1;
              this.next();
            });
        },
      };
      const leave = (reason: Error) => {
        if (!this.remove(tenantId, waiter)) return;
        stopWaiting();
        reject(reason);
      };
      const onAbort = () => leave(signal?.reason as Error);
      const deadline = setTimeout(
        () => leave(new QueryTurnExpiredException(maxWaitSeconds)),
        maxWaitSeconds * 1000,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queues.get(tenantId);
      if (queue) queue.push(waiter);
      else this.queues.set(tenantId, [waiter]);
      this.queued += 1;
      this.next();
    });
  }

  /** Background queries waiting for their turn now. */
  get waiting(): number {
    return this.queued;
  }

  /** Starts waiting queries while turns are free: the next tenant's first, then the next's. */
  private next(): void {
    while (this.running < this.turns) {
      const first = this.queues.entries().next();
      if (first.done) return;
      const [tenantId, queue] = first.value;
      const waiter = queue.shift()!;
      // To the back of the rotation while it has more waiting; out of it otherwise.
      this.queues.delete(tenantId);
      if (queue.length > 0) this.queues.set(tenantId, queue);
      this.queued -= 1;
      waiter.start();
    }
  }

  /** Takes a waiter out of its tenant's queue; false when it is no longer waiting. */
  private remove(tenantId: string, waiter: Waiter): boolean {
    const queue = this.queues.get(tenantId);
    const index = queue ? queue.indexOf(waiter) : -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(tenantId);
    this.queued -= 1;
    return true;
  }
}
