import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnModuleDestroy } from '@nestjs/common';

/**
 * The worker side of a scheduled job: BullMQ gives each run to one worker of one app copy. Each
 * job's processor extends this, decorated with its queue, and adds process().
 */
export abstract class JobWorkerHost extends WorkerHost implements OnModuleDestroy {
  private readonly workerLogger = new Logger(this.constructor.name);
  private lastError = '';

  /** Without a listener BullMQ prints every connection error; log each distinct one once. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.workerLogger.warn({ msg: 'job worker: Redis error', error: error.message });
  }

  /** A run that throws is kept in the queue's failed list; say so where operators look. */
  @OnWorkerEvent('failed')
  onRunFailed(job: { name?: string; queueName?: string } | undefined, error: Error): void {
    this.workerLogger.error({ msg: 'job run failed', job: job?.queueName, error: error.message });
  }

  /**
   * Force-closes before @nestjs/bullmq's own graceful close, which waits for the worker's loop
   * and so never returns while Redis is unreachable. Every scheduled job is idempotent: a run
   * cut short is simply made again at the next period.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }
}
