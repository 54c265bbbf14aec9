import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { type RetentionReport, RetentionEnforcerService } from './retention-enforcer.service';
import { RETENTION_JOB } from './retention.job';

/** Runs retention; a run cut short is made again the next day (every delete is idempotent). */
@Processor(RETENTION_JOB.queue)
export class RetentionJobProcessor extends JobWorkerHost {
  constructor(private readonly enforcer: RetentionEnforcerService) {
    super();
  }

  async process(job: Job): Promise<RetentionReport> {
    return this.enforcer.enforce(new Date(), (progress) => job.updateProgress(progress));
  }
}
