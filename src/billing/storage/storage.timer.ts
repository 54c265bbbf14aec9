import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { STORAGE_EVERY_MS } from './storage-job.scheduler';
import { StorageUsageRefresher } from './storage-usage.refresher';

/** Without Redis: an in-process timer runs the daily storage estimate. */
@Injectable()
export class StorageTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StorageTimer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly refresher: StorageUsageRefresher) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.refresher
        .measureAll()
        .catch((error: Error) =>
          this.logger.error({ msg: 'storage estimate failed', error: error.message }),
        )
        .finally(() => (this.running = undefined));
    }, STORAGE_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
