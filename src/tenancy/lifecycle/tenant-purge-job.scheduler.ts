import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { TENANT_PURGE_JOB } from './tenant-purge.job';

/** Registers the repeatable purge job. */
@Injectable()
export class TenantPurgeJobScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(TENANT_PURGE_JOB.queue) queue: Queue, registry: ScheduledJobRegistry) {
    super(queue, TENANT_PURGE_JOB, registry);
  }
}
