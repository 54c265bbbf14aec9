import { InjectQueue } from '@nestjs/bullmq';
import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisRebuildRegistry } from '../jobs/redis-rebuild.registry';
import type { ErasureJobData } from './erasure-request';
import { ERASURE_ATTEMPTS, ERASURE_BACKOFF_MS, ERASURE_QUEUE } from './erasure.job';
import { ErasureRunner } from './erasure.runner';
import { UnfinishedErasuresRepository } from './unfinished-erasures.repository';

/** Passes queued again at start-up, at most (the oldest first); the next start takes the rest. */
const RESUME_LIMIT = 1000;
/** How long adding a job may take before the pass runs here instead. */
const QUEUE_ADD_TIMEOUT_MS = 3_000;

function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the queue in ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Where erasure passes run: a BullMQ job when Redis is configured (any app copy's worker takes
 * it, retries survive a restart; the job holds ids only), in this process otherwise (a pass
 * still running at shutdown is awaited). Either way, a first pass that succeeds schedules its
 * recheck, and at start-up every pass still to run (a crash, a process stopped before a recheck,
 * Redis losing its jobs) is queued again: passes are idempotent, and BullMQ ignores a job id it
 * already holds.
 */
@Injectable()
export class ErasureJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ErasureJobsService.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly runner: ErasureRunner,
    private readonly unfinished: UnfinishedErasuresRepository,
    private readonly rebuilds: RedisRebuildRegistry,
    @Optional() @InjectQueue(ERASURE_QUEUE) private readonly queue?: Queue,
  ) {}

  /**
   * Queues a pass to start after `delayMs`. With Redis away the pass runs in this process
   * instead: the request is already recorded, and its erasure must not wait for Redis.
   */
  async enqueue(data: ErasureJobData, delayMs = 0): Promise<void> {
    if (this.queue) {
      try {
        // BullMQ's connection queues commands while Redis is away rather than failing them:
        // bounded here, so a request never hangs on it. (A late add runs the pass again:
        // harmless, passes are idempotent.)
        await withTimeout(
          QUEUE_ADD_TIMEOUT_MS,
          this.queue.add(data.pass, data, {
            // One job per pass of a request: a second add of the same pass is ignored.
            jobId: `${data.erasureId}-${data.pass}`,
            delay: delayMs,
            attempts: ERASURE_ATTEMPTS,
            backoff: { type: 'exponential', delay: ERASURE_BACKOFF_MS },
            removeOnComplete: 1000,
            removeOnFail: 1000,
          }),
        );
        return;
      } catch (error) {
        this.logger.warn(
          { err: error, tenant_id: data.tenantId, erasure_id: data.erasureId },
          'erasure queue unavailable; running the pass in this process',
        );
      }
    }
    this.runHere(data, delayMs);
  }

  private runHere(data: ErasureJobData, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.run(data)
        .catch(() => undefined)
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** One pass (the worker's and the in-process path), then its recheck when one is due. */
  async run(data: ErasureJobData): Promise<void> {
    const recheckAfter = await this.runner.run(data);
    if (recheckAfter) {
      await this.enqueue(
        { ...data, pass: 'recheck' },
        Math.max(0, recheckAfter.getTime() - Date.now()),
      );
      this.logger.log({
        msg: 'erasure recheck scheduled',
        tenant_id: data.tenantId,
        erasure_id: data.erasureId,
        at: recheckAfter.toISOString(),
      });
    }
  }

  onApplicationBootstrap(): void {
    // A Redis that comes back empty while the app runs lost the queued passes: the same again.
    if (this.queue)
      this.rebuilds.add({ name: 'erasures', restore: () => this.requeueUnfinished() });
    // Not awaited: Redis or the database being away must not hold the app's start.
    void this.resume();
  }

  private async resume(): Promise<void> {
    try {
      const passes = await this.requeueUnfinished();
      if (passes > 0) {
        this.logger.log({ msg: 'erasure passes queued again at start-up', passes });
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not queue unfinished erasure passes again');
    }
  }

  /** Queues every pass still to run (at most RESUME_LIMIT, the oldest first); answers how many. */
  async requeueUnfinished(): Promise<number> {
    const passes = await this.unfinished.list(RESUME_LIMIT);
    for (const { due, ...data } of passes) {
      await this.enqueue(data, Math.max(0, due.getTime() - Date.now()));
    }
    return passes.length;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.running]);
  }
}
