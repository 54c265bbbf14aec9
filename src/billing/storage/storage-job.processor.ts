import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { StorageUsageRefresher } from './storage-usage.refresher';

export const STORAGE_QUEUE = 'billing-storage';

/** Runs the daily storage estimate; BullMQ gives each run to one worker of one app copy. */
@Processor(STORAGE_QUEUE)
export class StorageJobProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(StorageJobProcessor.name);
  private lastError = '';

  constructor(private readonly refresher: StorageUsageRefresher) {
    super();
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn({ msg: 'storage worker: Redis error', error: error.message });
  }

  /** As the rollup worker: force-close, a run cut short is simply made again next day. */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }

  process(): Promise<{ tenants: number }> {
    return this.refresher.measureAll();
  }
}
