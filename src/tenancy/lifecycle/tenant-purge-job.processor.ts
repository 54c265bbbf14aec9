import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { TENANT_PURGE_JOB } from './tenant-purge.job';
import { TenantPurgeService } from './tenant-purge.service';

/** Runs the purge of every tenant due; a run cut short resumes at the next (purge_state). */
@Processor(TENANT_PURGE_JOB.queue)
export class TenantPurgeJobProcessor extends JobWorkerHost {
  constructor(private readonly purges: TenantPurgeService) {
    super();
  }

  async process(): Promise<{ purged: number; failed: number }> {
    return this.purges.purgeDue();
  }
}
