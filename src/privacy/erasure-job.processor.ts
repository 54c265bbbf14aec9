import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../jobs/job-worker.host';
import type { ErasureJobData } from './erasure-request';
import { ErasureJobsService } from './erasure-jobs.service';
import { ERASURE_QUEUE } from './erasure.job';

/** Runs erasure passes taken off the queue; a failed pass is retried by BullMQ (attempts). */
@Processor(ERASURE_QUEUE)
export class ErasureJobProcessor extends JobWorkerHost {
  constructor(private readonly jobs: ErasureJobsService) {
    super();
  }

  async process(job: Job<ErasureJobData>): Promise<void> {
    await this.jobs.run(job.data);
  }
}
