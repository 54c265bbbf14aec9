import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../../jobs/job-worker.host';
import { InvoiceFinaliserService } from './invoice-finaliser.service';
import { INVOICE_JOB } from './invoice.job';

/** Runs the finaliser; a run cut short is made again 15 minutes later (finalising is idempotent). */
@Processor(INVOICE_JOB.queue)
export class InvoiceJobProcessor extends JobWorkerHost {
  constructor(private readonly finaliser: InvoiceFinaliserService) {
    super();
  }

  async process(): Promise<{ created: number }> {
    return this.finaliser.finaliseAll();
  }
}
