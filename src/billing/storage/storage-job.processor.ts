import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { StorageUsageRefresher } from './storage-usage.refresher';
import { STORAGE_JOB } from './storage.job';

/** Runs the daily storage estimate; a run cut short is simply made again next day. */
@Processor(STORAGE_JOB.queue)
export class StorageJobProcessor extends JobWorkerHost {
  constructor(private readonly refresher: StorageUsageRefresher) {
    super();
  }

  process(): Promise<{ tenants: number }> {
    return this.refresher.measureAll();
  }
}
