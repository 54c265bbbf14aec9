import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { MOVE_JOB_NAME, TENANT_MOVE_JOB } from './tenant-move.job';
import { TenantMoveService } from './tenant-move.service';

/** Runs moves (one at a time per app copy) and the reconciler. */
@Processor(TENANT_MOVE_JOB.queue, { concurrency: 1 })
export class TenantMoveJobProcessor extends JobWorkerHost {
  constructor(private readonly mover: TenantMoveService) {
    super();
  }

  async process(job: Job<{ move_id?: string }>): Promise<unknown> {
    if (job.name === MOVE_JOB_NAME && typeof job.data.move_id === 'string') {
      const move = await this.mover.run(job.data.move_id);
      return { state: move?.state, hold_ms: move?.hold_ms };
    }
    return this.mover.reconcile();
  }
}
