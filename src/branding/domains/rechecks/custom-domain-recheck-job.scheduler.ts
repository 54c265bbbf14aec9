import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../../jobs/scheduled-job.registry';
import { CUSTOM_DOMAIN_RECHECK_JOB } from './custom-domain-recheck.job';

/** Registers the repeatable re-check job. */
@Injectable()
export class CustomDomainRecheckJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(CUSTOM_DOMAIN_RECHECK_JOB.queue) queue: Queue,
    registry: ScheduledJobRegistry,
  ) {
    super(queue, CUSTOM_DOMAIN_RECHECK_JOB, registry);
  }
}
