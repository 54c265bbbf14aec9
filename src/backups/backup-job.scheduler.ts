import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../jobs/repeatable-job.scheduler';
import type { ScheduledJob } from '../jobs/scheduled-job';
import { ScheduledJobRegistry } from '../jobs/scheduled-job.registry';
import { BACKUP_JOB, BACKUP_QUEUE } from './backup.job';

/** Registers the repeatable backup job on BACKUP_SCHEDULE. */
@Injectable()
export class BackupJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(BACKUP_QUEUE) queue: Queue,
    @Inject(BACKUP_JOB) job: ScheduledJob,
    registry: ScheduledJobRegistry,
  ) {
    super(queue, job, registry);
  }
}
