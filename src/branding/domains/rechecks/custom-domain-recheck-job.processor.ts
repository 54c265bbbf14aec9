import { Processor } from '@nestjs/bullmq';
import { JobWorkerHost } from '../../../jobs/job-worker.host';
import { CUSTOM_DOMAIN_RECHECK_JOB } from './custom-domain-recheck.job';
import { CustomDomainRechecksService } from './custom-domain-rechecks.service';

/** Runs one batch of re-checks; a run cut short is taken up by the next (they are idempotent). */
@Processor(CUSTOM_DOMAIN_RECHECK_JOB.queue)
export class CustomDomainRecheckJobProcessor extends JobWorkerHost {
  constructor(private readonly rechecks: CustomDomainRechecksService) {
    super();
  }

  async process(): Promise<Record<string, number>> {
    return this.rechecks.recheckDue();
  }
}
