import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { ClosedWeekCompactionRunner } from './closed-week-compaction.runner';
import { COMPACTION_QUEUE } from './compaction.job';

/** Runs the compaction; a run cut short leaves its weeks to the next (each merge stands alone). */
@Processor(COMPACTION_QUEUE)
export class CompactionJobProcessor extends JobWorkerHost {
  constructor(private readonly compactor: ClosedWeekCompactionRunner) {
    super();
  }

  process(job: Job): Promise<{ weeks: number; remaining: number }> {
    return this.compactor.compact({
      onProgress: (done, total) => job.updateProgress({ done, total }),
    });
  }
}
