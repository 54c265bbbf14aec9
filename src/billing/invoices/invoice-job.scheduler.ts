import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { INVOICES_QUEUE } from './invoice-job.processor';

export const INVOICES_SCHEDULER_ID = 'finalise-invoices';
/** The finaliser runs every 15 minutes: a closed period is invoiced within 15 minutes. */
export const INVOICES_EVERY_MS = 15 * 60_000;

/** Registers the repeatable finaliser job (one scheduler id, whichever copy starts first). */
@Injectable()
export class InvoiceJobScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InvoiceJobScheduler.name);
  private retry?: NodeJS.Timeout;
  private redisDownLogged = false;

  constructor(@InjectQueue(INVOICES_QUEUE) private readonly queue: Queue) {
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
        INVOICES_SCHEDULER_ID,
        { every: INVOICES_EVERY_MS },
        { name: 'finalise', opts: { removeOnComplete: 30, removeOnFail: 30 } },
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
    this.logger.warn({ msg: 'invoice job queue unavailable; retrying', error: error.message });
  }
}
