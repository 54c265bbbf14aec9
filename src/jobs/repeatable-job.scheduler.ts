import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { describeSchedule, repeatOptions, type ScheduledJob } from './scheduled-job';
import { ScheduledJobRegistry } from './scheduled-job.registry';

const RETRY_MS = 10_000;

/**
 * Creates or updates the job's schedule in its queue (idempotent: one scheduler id). Boot and
 * RedisRebuildService (after Redis came back empty) both go through here.
 */
export async function upsertSchedule(queue: Queue, job: ScheduledJob): Promise<void> {
  await queue.upsertJobScheduler(job.schedulerId, repeatOptions(job), {
    name: job.jobName,
    opts: { removeOnComplete: job.keepRuns, removeOnFail: job.keepRuns },
  });
}

/**
 * Registers one repeatable job when the app boots (idempotent: one scheduler id, whichever copy
 * starts first), and keeps retrying while Redis is down: Redis being away must not stop the app
 * (health reports it), and each outage is logged once. Each job subclasses this with its queue.
 */
export abstract class RepeatableJobScheduler
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger: Logger;
  private retry?: NodeJS.Timeout;
  private redisDownLogged = false;

  protected constructor(
    private readonly queue: Queue,
    private readonly job: ScheduledJob,
    private readonly registry: ScheduledJobRegistry,
  ) {
    this.logger = new Logger(`${job.queue} scheduler`);
    this.queue.on('error', (error: Error) => this.redisDown(error));
  }

  /** Whether this configuration runs the job at all (the rollup job needs the PostgreSQL store). */
  protected get enabled(): boolean {
    return true;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.registry.addQueue(this.job, this.queue);
    void this.schedule();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async schedule(): Promise<void> {
    try {
      await upsertSchedule(this.queue, this.job);
      this.redisDownLogged = false;
      this.logger.log({
        msg: 'job scheduled',
        job: this.job.queue,
        schedule: describeSchedule(this.job),
      });
    } catch (error) {
      this.redisDown(error as Error);
      this.retry = setTimeout(() => void this.schedule(), RETRY_MS);
      this.retry.unref();
    }
  }

  private redisDown(error: Error): void {
    if (this.redisDownLogged) return;
    this.redisDownLogged = true;
    this.logger.warn({
      msg: 'job queue unavailable; retrying',
      job: this.job.queue,
      error: error.message,
    });
  }
}
