import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RepeatableJobScheduler } from '../../jobs/repeatable-job.scheduler';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { MOVE_JOB_NAME, TENANT_MOVE_JOB } from './tenant-move.job';

/** Registers the reconciler, and queues each requested move. */
@Injectable()
export class TenantMoveJobScheduler extends RepeatableJobScheduler {
  constructor(
    @InjectQueue(TENANT_MOVE_JOB.queue) private readonly moves: Queue,
    registry: ScheduledJobRegistry,
  ) {
    super(moves, TENANT_MOVE_JOB, registry);
  }

  /** One job per move (its id), kept a while for the operator. */
  async enqueue(moveId: string): Promise<void> {
    await this.moves.add(
      MOVE_JOB_NAME,
      { move_id: moveId },
      { jobId: moveId, removeOnComplete: 100, removeOnFail: 100 },
    );
  }
}
