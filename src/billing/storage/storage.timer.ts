import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { StorageUsageRefresher } from './storage-usage.refresher';
import { STORAGE_JOB } from './storage.job';

/** Without Redis: an in-process timer runs the storage estimate once a day from boot. */
@Injectable()
export class StorageTimer extends IntervalJobTimer {
  constructor(
    private readonly refresher: StorageUsageRefresher,
    registry: ScheduledJobRegistry,
  ) {
    super(STORAGE_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.refresher.measureAll();
  }
}
