import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { INVOICE_JOB } from './invoice.job';

/** Registers the repeatable finaliser job. */
@Injectable()
export class InvoiceJobScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(INVOICE_JOB.queue) queue: Queue, registry: ScheduledJobRegistry) {
    super(queue, INVOICE_JOB, registry);
  }
}
