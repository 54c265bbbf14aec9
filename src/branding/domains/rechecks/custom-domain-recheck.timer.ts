import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../../jobs/scheduled-job.registry';
import { CUSTOM_DOMAIN_RECHECK_JOB } from './custom-domain-recheck.job';
import { CustomDomainRechecksService } from './custom-domain-rechecks.service';

/** Without Redis: an in-process timer runs the re-checks every hour. */
@Injectable()
export class CustomDomainRecheckTimer extends IntervalJobTimer {
  constructor(
    private readonly rechecks: CustomDomainRechecksService,
    registry: ScheduledJobRegistry,
  ) {
    super(CUSTOM_DOMAIN_RECHECK_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.rechecks.recheckDue();
  }
}
