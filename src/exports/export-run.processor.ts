import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { isUuid } from '../common/uuid';
import { JobWorkerHost } from '../jobs/job-worker.host';
import { ExportBuilderService } from './export-builder.service';
import { EXPORT_RUN_QUEUE, type ExportRunData } from './export-run.queue';

/** Runs queued exports, one at a time per app copy (an export is long and memory-bounded). */
@Processor(EXPORT_RUN_QUEUE)
export class ExportRunProcessor extends JobWorkerHost {
  constructor(private readonly builder: ExportBuilderService) {
    super();
  }

  async process(job: Job<ExportRunData>): Promise<{ status: string; rows?: number }> {
    const { tenantId, exportId } = job.data;
    if (!isUuid(tenantId) || !isUuid(exportId)) return { status: 'malformed job' };
    return this.builder.run(tenantId, exportId);
  }
}
