import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { ErasureJobData } from './erasure-request';
import { ERASURE_ATTEMPTS, ERASURE_BACKOFF_MS, ERASURE_QUEUE } from './erasure.job';
import { ErasureRunner } from './erasure.runner';

/**
 * Where erasure passes run: a BullMQ job when Redis is configured (any app copy's worker takes
 * it, retries survive a restart; the job holds ids only), in this process otherwise (a pass
 * still running at shutdown is awaited; one lost to a crash is re-run by posting again).
 * Either way, a first pass that succeeds schedules its recheck.
 */
@Injectable()
export class ErasureJobsService implements OnApplicationShutdown {
  private readonly logger = new Logger(ErasureJobsService.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly runner: ErasureRunner,
    @Optional() @InjectQueue(ERASURE_QUEUE) private readonly queue?: Queue,
  ) {}

  /** Queues a pass to start after `delayMs`. */
  async enqueue(data: ErasureJobData, delayMs = 0): Promise<void> {
    if (this.queue) {
      await this.queue.add(data.pass, data, {
        // One job per pass of a request: a second add of the same pass is ignored.
        jobId: `${data.erasureId}-${data.pass}`,
        delay: delayMs,
        attempts: ERASURE_ATTEMPTS,
        backoff: { type: 'exponential', delay: ERASURE_BACKOFF_MS },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      });
      return;
    }
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

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.running]);
  }
}
