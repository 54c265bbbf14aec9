import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { STORAGE_JOB } from './storage.job';

/** Registers the daily storage job. */
@Injectable()
export class StorageJobScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(STORAGE_JOB.queue) queue: Queue, registry: ScheduledJobRegistry) {
    super(queue, STORAGE_JOB, registry);
  }
}
