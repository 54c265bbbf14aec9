import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';
import { EXPORT_CLEANUP_JOB } from './export-cleanup.job';

/** Registers the repeatable export-file clean-up. */
@Injectable()
export class ExportCleanupJobScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(EXPORT_CLEANUP_JOB.queue) queue: Queue, registry: ScheduledJobRegistry) {
    super(queue, EXPORT_CLEANUP_JOB, registry);
  }
}
