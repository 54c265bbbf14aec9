import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { STORAGE_QUEUE } from './storage-job.processor';

export const STORAGE_SCHEDULER_ID = 'measure-tenant-storage';
export const STORAGE_EVERY_MS = 86_400_000;

/** Registers the daily storage job (idempotent: one scheduler id, whichever copy starts first). */
@Injectable()
export class StorageJobScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StorageJobScheduler.name);
  private retry?: NodeJS.Timeout;
  private redisDownLogged = false;

  constructor(@InjectQueue(STORAGE_QUEUE) private readonly queue: Queue) {
    this.queue.on('error', (error: Error) => this.redisDown(error));
  }

  onApplicationBootstrap(): void {
    void this.schedule();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async schedule(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(
        STORAGE_SCHEDULER_ID,
        { every: STORAGE_EVERY_MS },
        { name: 'measure', opts: { removeOnComplete: 30, removeOnFail: 30 } },
      );
      this.redisDownLogged = false;
    } catch (error) {
      this.redisDown(error as Error);
      this.retry = setTimeout(() => void this.schedule(), 10_000);
      this.retry.unref();
    }
  }

  private redisDown(error: Error): void {
    if (this.redisDownLogged) return;
    this.redisDownLogged = true;
    this.logger.warn({ msg: 'storage job queue unavailable; retrying', error: error.message });
  }
}
