import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { PLACEMENT_RECONCILE_JOB } from './placement-reconcile.job';

/** Registers the repeatable reconciler job. */
@Injectable()
export class PlacementReconcileJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(PLACEMENT_RECONCILE_JOB.queue) queue: Queue,
    registry: ScheduledJobRegistry,
  ) {
    super(queue, PLACEMENT_RECONCILE_JOB, registry);
  }
}
