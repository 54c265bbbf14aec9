import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../jobs/job-worker.host';
import { EXPORT_CLEANUP_JOB } from './export-cleanup.job';
import { ExportCleanupService } from './export-cleanup.service';

/** Runs the clean-up; a run cut short is made again the next day (removal is idempotent). */
@Processor(EXPORT_CLEANUP_JOB.queue)
export class ExportCleanupJobProcessor extends JobWorkerHost {
  constructor(private readonly cleanup: ExportCleanupService) {
    super();
  }

  async process(): Promise<{ removed: number }> {
    return this.cleanup.removeExpired();
  }
}
