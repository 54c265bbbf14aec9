import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { RETENTION_JOB } from './retention.job';

/** Registers the daily retention job. */
@Injectable()
export class RetentionJobScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(RETENTION_JOB.queue) queue: Queue, registry: ScheduledJobRegistry) {
    super(queue, RETENTION_JOB, registry);
  }
}
