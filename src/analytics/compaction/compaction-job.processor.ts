import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { ClosedDayCompactor } from './closed-day-compactor';
import { COMPACTION_QUEUE } from './compaction.job';

/** Runs the compaction; a run cut short leaves its days to the next (each merge stands alone). */
@Processor(COMPACTION_QUEUE)
export class CompactionJobProcessor extends JobWorkerHost {
  constructor(private readonly compactor: ClosedDayCompactor) {
    super();
  }

  process(job: Job): Promise<{ days: number; remaining: number }> {
    return this.compactor.compact({
      onProgress: (done, total) => job.updateProgress({ done, total }),
    });
  }
}
