import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../jobs/job-worker.host';
import { BACKUP_QUEUE } from './backup.job';
import { type BackupOutcome, BackupRunner } from './backup.runner';

/**
 * Runs one scheduled backup; a failed run fails the job (kept in the queue's failed list, shown
 * by /health/jobs) and is tried again at the next scheduled time, not retried at once: a backup
 * that failed for want of disk would only fail again.
 */
@Processor(BACKUP_QUEUE)
export class BackupJobProcessor extends JobWorkerHost {
  constructor(private readonly runner: BackupRunner) {
    super();
  }

  process(): Promise<BackupOutcome> {
    return this.runner.run();
  }
}
